/** `e` and the errors behind it (`cause`, as Octokit keeps the network error), nearest first, at most 5. */
export function errorCauses(e: unknown): object[] {
  const chain: object[] = [];
  for (let c: unknown = e; c && typeof c === "object" && chain.length < 5; c = (c as { cause?: unknown }).cause) chain.push(c);
  return chain;
}

/** A request the client refused to go on with (too large an answer, a redirect it does not follow): not worth a retry. */
export class HttpLimitError extends Error {
  override readonly name = "HttpLimitError";
}

/** The HttpLimitError behind `e`, if that is what it was. */
export function httpLimitError(e: unknown): HttpLimitError | undefined {
  return errorCauses(e).find((c): c is HttpLimitError => c instanceof HttpLimitError);
}
