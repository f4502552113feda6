// fast-check arbitraries for the values a JSON schema of the OpenAPI document allows: what a
// client generated from the document may send. Covers the keywords our generator emits; an
// unknown keyword throws, so a schema this cannot read fails the test instead of being skipped.
import fc from "fast-check";

// any: JSON schemas as the document holds them
type Schema = any;

const handled = new Set([
  "$ref", "type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems", "minLength",
  "maxLength", "pattern", "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum", "const",
  "oneOf", "anyOf", "default", "description", "examples", "minProperties", "maxProperties", "title", "propertyNames",
]);

/** Bounds for generated sizes: documents allow 1000 changes, a property test needs a few. */
const maxGeneratedItems = 3;
const maxGeneratedString = 40;

export function arbitraryOf(components: Record<string, Schema>, root: Schema): fc.Arbitrary<unknown> {
  const cache = new Map<string, fc.Arbitrary<unknown>>();

  const of = (schema: Schema): fc.Arbitrary<unknown> => {
    const unknown = Object.keys(schema).filter((key) => !handled.has(key));
    if (unknown.length) throw new Error(`openapi-arbitrary: unhandled keywords ${unknown.join(", ")}`);
    if (schema.$ref) {
      const name = schema.$ref.split("/").pop() as string;
      if (!cache.has(name)) cache.set(name, fc.constant(null).chain(() => of(components[name])));
      return cache.get(name)!;
    }
    if ("const" in schema) return fc.constant(schema.const);
    if (schema.enum) return fc.constantFrom(...schema.enum);
    if (schema.oneOf || schema.anyOf) return fc.oneof(...(schema.oneOf ?? schema.anyOf).map(of));
    if (Array.isArray(schema.type)) return fc.oneof(...schema.type.map((type: string) => of({ ...schema, type })));
    switch (schema.type) {
      case "null":
        return fc.constant(null);
      case "boolean":
        return fc.boolean();
      case "integer":
      case "number":
        return numberOf(schema);
      case "string":
        return stringOf(schema);
      case "array":
        return fc.array(of(schema.items ?? {}), {
          minLength: schema.minItems ?? 0,
          maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? maxGeneratedItems, maxGeneratedItems)),
        });
      case "object":
        return objectOf(schema);
      case undefined:
        return fc.jsonValue({ maxDepth: 2 });
      default:
        throw new Error(`openapi-arbitrary: unhandled type ${schema.type}`);
    }
  };

  const objectOf = (schema: Schema) => {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    const required = new Set<string>(schema.required ?? []);
    const record = fc.record(
      Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, of(value)])),
      { requiredKeys: Object.keys(properties).filter((key) => required.has(key)) },
    );
    const sized = (value: object) =>
      Object.keys(value).length >= (schema.minProperties ?? 0) && Object.keys(value).length <= (schema.maxProperties ?? Infinity);
    // A record (`additionalProperties` a schema): generated entries beside the named properties.
    const extra = typeof schema.additionalProperties === "object"
      ? fc.dictionary(of({ type: "string", ...schema.propertyNames }) as fc.Arbitrary<string>, of(schema.additionalProperties), { maxKeys: maxGeneratedItems })
      : fc.constant({});
    return fc.tuple(extra, record).map(([entries, named]) => ({ ...entries, ...named })).filter(sized);
  };

  return of(root);
}

function numberOf(schema: Schema) {
  const integer = schema.type === "integer";
  const min = schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : schema.minimum;
  const max = schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : schema.maximum;
  if (integer) return fc.integer({ min: Math.max(min ?? -(2 ** 31), Number.MIN_SAFE_INTEGER), max: Math.min(max ?? 2 ** 31, Number.MAX_SAFE_INTEGER) });
  return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
}

function stringOf(schema: Schema): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = Math.max(min, Math.min(schema.maxLength ?? maxGeneratedString, maxGeneratedString));
  const pattern = schema.pattern ? new RegExp(schema.pattern) : null;
  const fits = (value: string) => value.length >= min && value.length <= (schema.maxLength ?? Infinity) && (!pattern || pattern.test(value));
  switch (schema.format) {
    case "uuid":
      return fc.uuid().filter(fits);
    case "email":
      return fc.emailAddress().filter(fits);
    case "date-time":
      // Four-digit years, as the document's pattern requires; the instants a device can record.
      return fc.date({ min: new Date("1970-01-01T00:00:00.000Z"), max: new Date("2200-01-01T00:00:00.000Z"), noInvalidDate: true })
        .map((date) => date.toISOString())
        .filter(fits);
    case undefined:
      break;
    default:
      throw new Error(`openapi-arbitrary: unhandled format ${schema.format}`);
  }
  if (pattern) return fc.stringMatching(pattern, { size: "small" }).filter(fits);
  return fc.string({ unit: "grapheme", minLength: min, maxLength: max });
}
