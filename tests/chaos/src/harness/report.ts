// Every scenario says what it injected and what it checked, so a passing run documents itself.
export function scenario(name: string) {
  const started = Date.now();
  const line = (kind: string, message: string) => console.log(`[${name}] ${kind}: ${message}`);
  return {
    injected: (message: string) => line("injected", message),
    checked: (message: string) => line("checked", message),
    note: (message: string) => line("note", message),
    done: () => line("done", `${((Date.now() - started) / 1000).toFixed(1)} s`),
  };
}
