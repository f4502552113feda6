import { z } from "zod";
import { optionalText, requiredText } from "../fields.ts";

export const assetStatusSchema = z.enum(["OPERATIONAL", "MAINTENANCE", "RETIRED"]);
export type AssetStatus = z.infer<typeof assetStatusSchema>;

export const assetSchema = z.strictObject({
  name: requiredText(200),
  serialNumber: optionalText(100),
  location: optionalText(200),
  notes: optionalText(5000),
  status: assetStatusSchema.optional(),
});
export type Asset = z.infer<typeof assetSchema>;
