// A request refused by the server's push gate (503 SERVER_BUSY with Retry-After) is sent again
// after the wait the sync client takes (sync-client's retryDelay: Retry-After plus up to half of
// it again, so refused devices spread out). Used by the push storm and the benchmarks' devices;
// the wait counts in their measured latency.

export interface Answer {
  status: number;
  headers: Headers;
  /** The body as text. */
  text: string;
}

export interface Accepted {
  /** The first answer that was not a SERVER_BUSY refusal. */
  answer: Answer;
  /** Status and error code of every attempt, the final one last. */
  attempts: { status: number; code?: string }[];
}

const errorCode = (text: string) => {
  try {
    return (JSON.parse(text) as { code?: unknown }).code;
  } catch {
    return undefined;
  }
};

/** Sends (by calling `send` again) until the answer is anything but 503 SERVER_BUSY with a Retry-After. */
export async function sendUntilAccepted(send: () => Promise<Response>): Promise<Accepted> {
  const attempts: Accepted["attempts"] = [];
  for (;;) {
    const response = await send();
    const answer = { status: response.status, headers: response.headers, text: await response.text() };
    const code = answer.status === 200 ? undefined : errorCode(answer.text);
    attempts.push({ status: answer.status, ...(typeof code === "string" && { code }) });
    const retryAfter = Number(response.headers.get("retry-after"));
    if (answer.status !== 503 || code !== "SERVER_BUSY" || !(retryAfter >= 1)) return { answer, attempts };
    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000 * (1 + Math.random() / 2)));
  }
}
