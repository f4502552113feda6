import type { FastifyRequest, FastifyServerOptions } from "fastify";

/** Query parameters that carry credentials (stream tickets, tokens…): their values never reach a log. */
const credentialParam = /^(ticket|token|access_token|refresh_token|refreshtoken|password|secret|api_key|key)$/i;

/** The URL with every credential parameter's value replaced by `[redacted]`. */
export function redactUrl(url: string): string {
  const query = url.indexOf("?");
  if (query < 0) return url;
  const redacted = url
    .slice(query + 1)
    .split("&")
    .map((pair) => {
      const name = pair.split("=", 1)[0]!;
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // A malformed escape: judged by its raw spelling.
      }
      return credentialParam.test(decoded) ? `${name}=[redacted]` : pair;
    });
  return `${url.slice(0, query)}?${redacted.join("&")}`;
}

/** Fastify's request log line, minus credentials in the query string. */
const requestSerializer = (request: FastifyRequest) => ({
  method: request.method,
  url: redactUrl(request.url),
  host: request.host,
  remoteAddress: request.ip,
  remotePort: request.socket?.remotePort,
});

type LoggerOption = FastifyServerOptions["logger"];

/** The logger options with the redacting request serializer; no logger stays no logger. */
export function redactingLogger(logger: LoggerOption): LoggerOption {
  if (!logger) return false;
  const base = logger === true ? {} : logger;
  return { ...base, serializers: { ...base.serializers, req: requestSerializer } };
}

/**
 * One log line per request only when asked for (LOG_LEVEL debug or trace): at the default levels
 * the console stays quiet, and errors are logged either way.
 */
export function logsEveryRequest(logger: LoggerOption): boolean {
  return typeof logger === "object" && logger !== null && "level" in logger && (logger.level === "debug" || logger.level === "trace");
}
