export * from "./canonical.ts";
export * from "./merge.ts";
export * from "./suggest.ts";
export * from "./scope.ts";
export * from "./decide.ts";
export * from "./decide-batch.ts";
