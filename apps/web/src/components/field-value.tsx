import { type EntityType, type FieldSpec, entityTitle } from "@fieldsync/schema";
import { displayValue } from "../app/field-display.ts";
import { useOrgUsers } from "../app/org-users.ts";
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

/** One field's value in words; a reference named by the referenced entity's title, linking to it; a user by name. */
export function FieldValue({ type, spec, value, precise = false, unlinked = false }: Props) {
  if (spec.references && typeof value === "string" && value) return <ReferenceValue type={spec.references} id={value} unlinked={unlinked} />;
  if (spec.kind === "user" && typeof value === "string" && value) return <UserName id={value} />;
  return <>{displayValue(type, spec, value, precise)}</>;
}

function ReferenceValue({ type, id, unlinked }: { type: EntityType; id: string; unlinked: boolean }) {
  const target = useLiveQuery(() => store.get(type, id), [type, id]);
  const title = entityTitle(type, target?.data) ?? id;
  return unlinked ? <>{title}</> : <a href={href(entityRoutes(type).detail(id))}>{title}</a>;
}

/** A user by name, from the stored list; one it does not hold (yet) as "someone else". */
function UserName({ id }: { id: string }) {
  const users = useOrgUsers();
  if (!users) return null;
  return <>{users.find((user) => user.id === id)?.name ?? "someone else"}</>;
}
