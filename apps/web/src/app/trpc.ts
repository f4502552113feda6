import type { AppRouter } from "@fieldsync/api";
import { limits } from "@fieldsync/schema";
import { QueryClient } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import { engine } from "./runtime.ts";

export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

export const queryClient = new QueryClient({
  defaultOptions: {
    // Server views (devices, status) are extras: show the last answer offline, do not hammer.
    queries: { retry: 1, staleTime: 10_000, networkMode: "always" },
  },
});

export const trpcClient = createTRPCClient<AppRouter>({
  links: [
    httpBatchLink({
      url: "/trpc",
      // The server refuses larger batches (BATCH_TOO_LARGE); the link splits them instead.
      maxItems: limits.maxBatchCalls,
      // The engine renews an expiring access token (under a lock shared with the service worker).
      headers: async () => {
        const token = await engine.accessToken();
        return token ? { authorization: `Bearer ${token}` } : {};
      },
    }),
  ],
});
