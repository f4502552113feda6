import { type EntityType, type FieldSpec, entityTitle } from "@fieldsync/schema";
import { displayValue } from "../app/field-display.ts";
import { store } from "../app/runtime.ts";
import { useLiveQuery } from "../app/use-live-query.ts";
import { entityRoutes, href } from "../app/use-route.ts";

interface Props {
  type: EntityType;
  spec: FieldSpec;
  value: unknown;
  /** Dates with their time. */
  precise?: boolean;
  /** A reference as plain text, where the value sits inside a link already. */
  unlinked?: boolean;
}

/** One field's value in words; a reference named by the referenced entity's title, linking to it. */
export function FieldValue({ type, spec, value, precise = false, unlinked = false }: Props) {
  if (spec.references && typeof value === "string" && value) return <ReferenceValue type={spec.references} id={value} unlinked={unlinked} />;
  return <>{displayValue(type, spec, value, precise)}</>;
}

function ReferenceValue({ type, id, unlinked }: { type: EntityType; id: string; unlinked: boolean }) {
  const target = useLiveQuery(() => store.get(type, id), [type, id]);
  const title = entityTitle(type, target?.data) ?? id;
  return unlinked ? <>{title}</> : <a href={href(entityRoutes(type).detail(id))}>{title}</a>;
}
