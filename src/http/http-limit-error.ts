/** `e` and the errors behind it (`cause`, as Octokit keeps the network error), nearest first, at most 5. */
export function errorCauses(e: unknown): object[] {
  const chain: object[] = [];
  for (let c: unknown = e; c && typeof c === "object" && chain.length < 5; c = (c as { cause?: unknown }).cause) chain.push(c);
  return chain;
}

/**
 * A request the client refused to go on with (an answer over its size
 * limit, a redirect it does not follow): asking again gets the same, so
 * callers do not retry it. `message` is one line naming the host.
 */
export class HttpLimitError extends Error {
  override readonly name = "HttpLimitError";
}

/** The HttpLimitError behind `e`, if that is what it was. */
export function httpLimitError(e: unknown): HttpLimitError | undefined {
  return errorCauses(e).find((c): c is HttpLimitError => c instanceof HttpLimitError);
}
