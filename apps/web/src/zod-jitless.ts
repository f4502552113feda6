// Imported first by every entry (main.tsx, sw.ts): zod decides per schema, when the schema is
// built, whether to compile a parser with `new Function`; the content-security policy forbids
// eval, so without this each schema built would raise a CSP violation. Jitless parsing is exact.
import { z } from "zod";

z.config({ jitless: true });
