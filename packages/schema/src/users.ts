import { z } from "zod";
import { roleSchema } from "./enums.ts";

/** A user as colleagues see them: whom a task can be assigned to. No email or other contact details. */
export const orgUserSchema = z.object({ id: z.string(), name: z.string(), role: roleSchema });
export type OrgUser = z.infer<typeof orgUserSchema>;

/** GET /api/users: the active users of the caller's organization, by name. */
export const listUsersResponseSchema = z.object({ users: z.array(orgUserSchema) });
export type ListUsersResponse = z.infer<typeof listUsersResponseSchema>;
