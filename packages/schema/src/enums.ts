import { z } from "zod";

// Values are stored in PostgreSQL enums of the same names (prisma/schema.prisma): change both together.
export const syncOperationSchema = z.enum(["CREATE", "UPDATE", "DELETE"]);
export type SyncOperation = z.infer<typeof syncOperationSchema>;

export const syncStatusSchema = z.enum(["PENDING", "SYNCING", "COMPLETED", "FAILED", "CONFLICT"]);
export type SyncStatus = z.infer<typeof syncStatusSchema>;

export const conflictResolutionSchema = z.enum(["CLIENT_WINS", "SERVER_WINS", "MANUAL", "MERGE"]);
export type ConflictResolution = z.infer<typeof conflictResolutionSchema>;

export const roleSchema = z.enum(["TECHNICIAN", "ADMIN"]);
export type Role = z.infer<typeof roleSchema>;
