// Reading the backend's JSON defensively, by field name, from `unknown`: the normalisers
// (`knowledge/normalise.ts`, `ops/normalise.ts`) check each value's type themselves, while the
// field NAMES are checked against the generated schema. `field<Schemas['SearchResult']>(value,
// 'page_id')` compiles only while `SearchResult` has `page_id`, so a renamed backend field fails
// `npm run check` instead of silently reading `undefined`.
/** A JSON object (not an array, not null). */
export type JsonObject = Record<string, unknown>;

/** Whether `value` is a JSON object. */
export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The `key` of `value`, which the backend sends as the schema `S`; undefined when `value` is not
 * an object. `S` must be given (`NoInfer` stops the compiler from making one up from `key`):
 * without it `key` has type `never` and nothing compiles.
 */
export function field<S>(value: unknown, key: keyof NoInfer<S> & string): unknown {
  return isObject(value) ? value[key] : undefined;
}

/**
 * The `key` of `value` with no schema behind it: only for shapes our backend's OpenAPI document
 * does not describe (the original backend's variants, the watch stream's events). Each call
 * says why it is untyped.
 */
export function untypedField(value: unknown, key: string): unknown {
  return isObject(value) ? value[key] : undefined;
}
