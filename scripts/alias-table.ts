// Prints README's tables of other images' variable names from
// src/config/alias-table.ts and src/config/other-images.ts:
//   node --import tsx scripts/alias-table.ts            the aliases of every image but myoung34's
//   node --import tsx scripts/alias-table.ts myoung34   every variable of myoung34's image
// test/unit/readme.test.ts keeps README.md in step with them.
import { ALIASES } from "../src/config/alias-table.ts";
import { OTHER_IMAGES } from "../src/config/other-images.ts";
import { VARS } from "../src/config/vars.ts";

const cell = (s: string) => s.replace(/\|/g, "\\|");
const alias = (name: string) => ALIASES.find((a) => a.name === name);
const [key] = process.argv.slice(2);
let rows: string[];
if (key !== undefined) {
  const image = OTHER_IMAGES.find((i) => i.key === key);
  if (!image) throw new Error(`no image ${key}: one of ${OTHER_IMAGES.map((i) => i.key).join(", ")}`);
  rows = [
    `| ${image.title} | In ci-runner |`,
    "|---|---|",
    ...image.vars.map((name) => `| \`${name}\` | ${cell(image.notes?.[name] ?? alias(name)?.doc ?? (name in VARS ? "the same" : "?"))} |`),
  ];
} else {
  const names = [...new Set(OTHER_IMAGES.filter((i) => i.key !== "myoung34").flatMap((i) => i.vars))].filter((n) => alias(n));
  rows = [
    "| Variable | In ci-runner | Image |",
    "|---|---|---|",
    ...names.map((name) => {
      const from = OTHER_IMAGES.filter((i) => i.vars.includes(name)).map((i) => (i.key === "myoung34" ? "myoung34" : i.title.replace(/ \(.*\)$/, "")));
      return `| \`${name}\` | ${cell(alias(name)?.doc ?? "")} | ${from.join(", ")} |`;
    }),
  ];
}
process.stdout.write(rows.join("\n") + "\n");
