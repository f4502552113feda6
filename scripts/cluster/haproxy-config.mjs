// Renders scripts/cluster/haproxy.cfg.template for a set of running server nodes.
import { readFileSync } from "node:fs";

export const templatePath = new URL("./haproxy.cfg.template", import.meta.url);

/**
 * The HAProxy configuration for `nodes` ({ name, host, port }), listening on `bindHost:port`
 * with its stats page on 127.0.0.1:`statsPort` and its runtime API on the Unix socket
 * `adminSocket`. Every `{{name}}` of the template must be given.
 */
export function renderHaproxyConfig({ bindHost, port, statsPort, adminSocket, nodes }, template = readFileSync(templatePath, "utf8")) {
  const servers = nodes.map((node) => `    server ${node.name} ${node.host}:${node.port} check`).join("\n");
  const values = { bindHost, port, statsPort, adminSocket, servers };
  return template.replace(/{{(\w+)}}/g, (_, key) => {
    if (values[key] === undefined) throw new Error(`haproxy.cfg.template: no value for {{${key}}}`);
    return String(values[key]);
  });
}
