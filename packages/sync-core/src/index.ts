export * from "./canonical.ts";
export * from "./merge.ts";
export * from "./suggest.ts";
export * from "./scope.ts";
