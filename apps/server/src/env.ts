import { fileURLToPath } from "node:url";
import { z } from "zod";

const devSecret = "fieldsync-development-secret-change-me-0000";

const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    HOST: z.string().default("0.0.0.0"),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    DATABASE_URL: z.string().default("postgresql://postgres@127.0.0.1:5432/fieldsync"),
    JWT_SECRET: z.string().min(32).default(devSecret),
    JWT_ISSUER: z.string().default("fieldsync"),
    JWT_AUDIENCE: z.string().default("fieldsync-api"),
    JWT_TTL_SECONDS: z.coerce.number().int().min(60).default(8 * 3600),
    CURSOR_SECRET: z.string().min(32).default(devSecret),
    /** Comma-separated origins allowed by CORS (the PWA is normally same-origin). */
    CORS_ORIGINS: z.string().default(""),
    /** Built PWA to serve at /; nothing is served when the folder does not exist. */
    WEB_DIST: z.string().default(fileURLToPath(new URL("../../web/dist", import.meta.url))),
    BODY_LIMIT_BYTES: z.coerce.number().int().default(5 * 1024 * 1024),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  })
  .refine((env) => env.NODE_ENV !== "production" || (env.JWT_SECRET !== devSecret && env.CURSOR_SECRET !== devSecret), {
    message: "JWT_SECRET and CURSOR_SECRET must be set in production",
  });

export type Env = z.infer<typeof envSchema>;

/** The server's whole environment, validated once; nothing else reads process.env. */
export const loadEnv = (source: NodeJS.ProcessEnv = process.env): Env => envSchema.parse(source);
