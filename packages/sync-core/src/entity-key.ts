/** One entity's identity as a map key (type names hold no colon, so the key is unambiguous). */
export const entityKey = (type: string, id: string) => `${type}:${id}`;
