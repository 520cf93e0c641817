/** The templates stage takes no parameters (its inputs are the spec folders). Beside definition.ts and run.ts, which both import it. */
export type TemplatesParams = Record<string, never>;
