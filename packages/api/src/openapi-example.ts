// Examples for the OpenAPI document, derived from its own JSON schemas, so every operation has
// one and none can contradict its schema. A field's own `examples` (zod `.meta({ examples })`)
// wins; otherwise a plain value of the right type. A pattern the plain value does not match needs
// an example in the schema: generation throws, and the drift test says where.

// JSON schemas as z.toJSONSchema writes them
type JsonSchema = Record<string, any>;

const plainStrings: Record<string, string> = {
  uuid: "7b0c5a0e-4a43-4a55-9a2b-1c1c7e0e0a02",
  email: "tech1@northwind.test",
  "date-time": "2026-11-30T09:00:00.000Z",
};

export function exampleOf(schema: JsonSchema, components: Record<string, JsonSchema>, at = "#"): unknown {
  if (schema.$ref) {
    const name = String(schema.$ref).split("/").pop()!;
    return exampleOf(components[name]!, components, name);
  }
  if (schema.examples?.length) return schema.examples[0];
  if ("const" in schema) return schema.const;
  if (schema.enum) return schema.enum[0];
  const variants = (schema.oneOf ?? schema.anyOf) as JsonSchema[] | undefined;
  if (variants) return exampleOf(variants[0]!, components, at);
  if (schema.allOf) return exampleOf(schema.allOf[0], components, at);
  switch (schema.type) {
    case "object": {
      // Records keyed by an enum (z.record) name their keys only in `required`.
      const keyed = ((schema.required ?? []) as string[]).filter((key) => !schema.properties?.[key]).map((key) => [key, schema.additionalProperties]);
      const properties = [...Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>), ...keyed] as [string, JsonSchema][];
      return Object.fromEntries(properties.map(([key, value]) => [key, exampleOf(value, components, `${at}.${key}`)]));
    }
    case "array":
      return schema.items ? [exampleOf(schema.items, components, `${at}[]`)] : [];
    case "integer":
    case "number":
      return schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 0);
    case "boolean":
      return false;
    case "null":
      return null;
    case "string": {
      const value = plainStrings[schema.format] ?? "text".padEnd(schema.minLength ?? 0, "x");
      if (schema.pattern && !new RegExp(schema.pattern).test(value)) {
        throw new Error(`openapi example: ${at} has a pattern; give it .meta({ examples: [...] }) in packages/schema`);
      }
      return value;
    }
    default:
      return schema.default ?? null;
  }
}
