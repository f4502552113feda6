import { z } from "zod";

/**
 * A procedure output that is typed, not parsed: tRPC calls `parse` on every answer, and parsing a
 * 500-result push answer with zod cost milliseconds on the hot path for nothing (the resolver's
 * type already says the same). `schema` is kept for the OpenAPI document (openapi.ts), and tests
 * check the real answers against it (apps/server/src/answer-shape.test.ts).
 */
export interface UnparsedOutput<S extends z.ZodType> {
  parse: (value: z.output<S>) => z.output<S>;
  schema: S;
}

export const unparsedOutput = <S extends z.ZodType>(schema: S): UnparsedOutput<S> => ({ parse: (value) => value, schema });

/** The zod schema of a procedure's output, whether parsed or not. */
export const outputSchemaOf = (output: z.ZodType | UnparsedOutput<z.ZodType>): z.ZodType =>
  output instanceof z.ZodType ? output : output.schema;
