// GET /api/openapi.json (generated from the zod schemas and the REST route table) and a
// self-contained reference page at GET /api/docs. No CDN: the page's script is served from here,
// since the helmet CSP allows only same-origin scripts (and machines may have no network).
import { openApiDocument } from "@fieldsync/api";
import type { FastifyInstance } from "fastify";

const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fieldsync API reference</title>
<link rel="icon" href="data:,">
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 0; color: #1d2433; background: #f6f7f9; }
  header { background: #1d2433; color: #fff; padding: 1.2rem 2rem; }
  header h1 { margin: 0; font-size: 1.4rem; }
  header p { margin: .3rem 0 0; opacity: .8; max-width: 70rem; }
  main { padding: 1rem 2rem 3rem; max-width: 80rem; }
  h2 { text-transform: capitalize; margin: 1.6rem 0 .5rem; }
  details.op { background: #fff; border: 1px solid #d8dce3; border-radius: 6px; margin: .4rem 0; }
  details.op > summary { cursor: pointer; padding: .5rem .8rem; display: flex; gap: .8rem; align-items: baseline; }
  .method { font: 700 .8rem monospace; color: #fff; border-radius: 4px; padding: .15rem .5rem; min-width: 4rem; text-align: center; }
  .get { background: #2f7d4f; } .post { background: #2d5fb4; } .put { background: #a0661c; } .delete { background: #b23a3a; }
  .path { font-family: monospace; font-weight: 600; }
  .lock { font-size: .8rem; color: #6b7280; margin-left: auto; }
  .body { padding: 0 1rem 1rem; border-top: 1px solid #eef0f3; }
  table { border-collapse: collapse; margin: .4rem 0; }
  td, th { border: 1px solid #e3e6eb; padding: .25rem .6rem; text-align: left; vertical-align: top; }
  .schema { font: 13px/1.45 monospace; background: #f3f5f8; padding: .6rem .8rem; border-radius: 4px; overflow-x: auto; }
  .schema details { margin-left: 1.2rem; } .schema summary { cursor: pointer; }
  .type { color: #2d5fb4; } .req { color: #b23a3a; } .note { color: #6b7280; }
</style>
</head>
<body>
<header><h1>Fieldsync API reference</h1><p id="intro">Loading /api/openapi.json…</p></header>
<main id="root"></main>
<script src="/api/docs/renderer.js"></script>
</body>
</html>`;

// Plain browser JavaScript: renders every operation with its parameters, request body,
// responses and (expandable) schemas, resolving $refs against the document's components.
const renderer = `"use strict";
(async () => {
  const doc = await (await fetch("/api/openapi.json")).json();
  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    for (const c of children) node.append(c);
    return node;
  };
  const resolve = (s) => (s && s.$ref ? { name: s.$ref.split("/").pop(), ...doc.components.schemas[s.$ref.split("/").pop()] } : s);
  const typeOf = (s) => {
    if (!s) return "any";
    if (s.$ref) return s.$ref.split("/").pop();
    if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
    if (s.anyOf || s.oneOf) return (s.anyOf || s.oneOf).map(typeOf).join(" | ");
    if (s.type === "array") return typeOf(s.items) + "[]";
    if (s.const !== undefined) return JSON.stringify(s.const);
    return [].concat(s.type || "any").join(" | ") + (s.format ? " (" + s.format + ")" : "");
  };
  const limits = (s) => ["minLength", "maxLength", "minimum", "maximum", "maxItems", "default"]
    .filter((k) => s && s[k] !== undefined).map((k) => k + " " + JSON.stringify(s[k])).join(", ");
  const schemaView = (schema, depth = 0) => {
    const s = resolve(schema);
    const box = el("div");
    if (!s || depth > 8) return box;
    const variants = (s.anyOf || s.oneOf || []).map(resolve).filter((v) => v && v.properties);
    const objects = s.properties ? [s] : variants;
    if (objects.length === 0 && s.type === "array") return schemaView(s.items, depth);
    for (const obj of objects) {
      const required = new Set(obj.required || []);
      for (const [name, prop] of Object.entries(obj.properties)) {
        const p = resolve(prop);
        const line = el("span", {}, name, required.has(name) ? el("span", { class: "req" }, "*") : "", ": ",
          el("span", { class: "type" }, typeOf(prop)), " ", el("span", { class: "note" }, limits(p)));
        const nested = p && (p.properties || (p.items && resolve(p.items)?.properties) || (p.anyOf || []).some((v) => resolve(v)?.properties));
        if (nested) {
          const d = el("details", {}, el("summary", {}, line));
          d.append(schemaView(prop, depth + 1));
          box.append(d);
        } else box.append(el("div", {}, line));
      }
      if (variants.length > 1) box.append(el("div", { class: "note" }, "— or —"));
    }
    return box;
  };
  const schemaBlock = (title, schema) => {
    const block = el("div", {}, el("h4", {}, title + " ", el("span", { class: "type" }, typeOf(schema))));
    block.append(el("div", { class: "schema" }, schemaView(schema)));
    return block;
  };

  document.getElementById("intro").textContent = doc.info.description;
  const root = document.getElementById("root");
  const groups = {};
  for (const [path, ops] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(ops)) (groups[op.tags[0]] ||= []).push({ path, method, op });
  for (const [tag, ops] of Object.entries(groups)) {
    root.append(el("h2", {}, tag));
    for (const { path, method, op } of ops) {
      const secured = op.security.length > 0;
      const details = el("details", { class: "op", id: op.operationId },
        el("summary", {}, el("span", { class: "method " + method }, method.toUpperCase()), el("span", { class: "path" }, path),
          el("span", {}, op.summary), el("span", { class: "lock" }, secured ? "bearer token" : "public")));
      const body = el("div", { class: "body" }, el("p", {}, op.description || ""));
      if (op.parameters && op.parameters.length) {
        const table = el("table", {}, el("tr", {}, el("th", {}, "parameter"), el("th", {}, "in"), el("th", {}, "type")));
        for (const p of op.parameters)
          table.append(el("tr", {}, el("td", {}, p.name + (p.required ? " *" : "")), el("td", {}, p.in), el("td", {}, typeOf(p.schema) + " " + limits(p.schema))));
        body.append(el("h4", {}, "Parameters"), table);
      }
      if (op.requestBody) body.append(schemaBlock("Request body", op.requestBody.content["application/json"].schema));
      const responses = el("table", {}, el("tr", {}, el("th", {}, "status"), el("th", {}, "meaning"), el("th", {}, "body")));
      for (const [status, r] of Object.entries(op.responses)) {
        const content = r.content && Object.entries(r.content)[0];
        responses.append(el("tr", {}, el("td", {}, status), el("td", {}, r.description), el("td", {}, content ? content[0] + " " + typeOf(content[1].schema) : "")));
      }
      body.append(el("h4", {}, "Responses"), responses);
      const ok = Object.entries(op.responses).find(([s]) => s.startsWith("2"));
      const okSchema = ok && ok[1].content && ok[1].content["application/json"];
      if (okSchema) body.append(schemaBlock("Response " + ok[0], okSchema.schema));
      details.append(body);
      root.append(details);
    }
  }
  root.append(el("h2", {}, "Schemas"));
  for (const name of Object.keys(doc.components.schemas).filter((n) => n === "ErrorBody" || n.startsWith("Entity")))
    root.append(schemaBlock(name, { $ref: "#/components/schemas/" + name }));
  document.body.dataset.rendered = String(root.querySelectorAll("details.op").length);
})();
`;

export function registerApiDocs(app: FastifyInstance) {
  // Built once: the schemas cannot change while the process runs.
  const document = JSON.stringify(openApiDocument());
  app.get("/api/openapi.json", (_request, reply) => reply.type("application/json").send(document));
  app.get("/api/docs", (_request, reply) => reply.type("text/html; charset=utf-8").send(page));
  app.get("/api/docs/renderer.js", (_request, reply) => reply.type("text/javascript; charset=utf-8").send(renderer));
}
