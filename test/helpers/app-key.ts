import { generateKeyPairSync } from "node:crypto";

/** A GitHub App's private key as GitHub hands it out (RSA, PKCS#1 PEM): the configuration parses it. */
export const APP_KEY_PEM = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
