/** `e` and the errors behind it (`cause`, as Octokit keeps the network error), nearest first, at most 5. */
export function errorCauses(e: unknown): object[] {
  const chain: object[] = [];
  for (let c: unknown = e; c && typeof c === "object" && chain.length < 5; c = (c as { cause?: unknown }).cause) chain.push(c);
  return chain;
}
