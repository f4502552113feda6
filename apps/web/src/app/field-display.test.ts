import { fieldSpecs } from "@fieldsync/schema";
import { expect, test } from "vitest";
import { displayValue } from "./field-display.ts";

const spec = (type: "asset" | "task", name: string) => fieldSpecs(type).find((candidate) => candidate.name === name)!;

test("enum values in words, empty values as a dash, text as it is", () => {
  expect(displayValue("asset", spec("asset", "status"), "MAINTENANCE")).toBe("In maintenance");
  expect(displayValue("task", spec("task", "status"), "IN_PROGRESS")).toBe("In progress");
  expect(displayValue("asset", spec("asset", "location"), null)).toBe("—");
  expect(displayValue("asset", spec("asset", "location"), "")).toBe("—");
  expect(displayValue("asset", spec("asset", "name"), "Pump")).toBe("Pump");
});

test("dates as dates; precise ones tell two times of one day apart", () => {
  const due = spec("task", "dueAt");
  const morning = "2026-12-01T08:00:00.000Z";
  const evening = "2026-12-01T18:00:00.000Z";
  expect(displayValue("task", due, morning)).toBe(displayValue("task", due, evening));
  expect(displayValue("task", due, morning, true)).not.toBe(displayValue("task", due, evening, true));
});
