/** The batch server's request schemas (JSON Schema, checked by fastify's Ajv: strict, no coercion). */

export const HEX32 = "^0x[0-9a-fA-F]{64}$";
export const ADDRESS = "^0x[0-9a-fA-F]{40}$";
/** A receipt sequence or a batch's first sequence in a URL: a positive decimal. */
export const SEQUENCE = "^[1-9][0-9]{0,19}$";

/** A route's one string parameter matching `pattern`. */
export const params = (name: string, pattern: string) => ({
  type: "object",
  properties: { [name]: { type: "string", pattern } },
  required: [name],
});

/** `POST /v1/infer`: the call, and an optional voucher paying for it. */
export const INFER_BODY = {
  type: "object",
  additionalProperties: false,
  required: ["requestId", "requester", "modelId", "version", "input"],
  properties: {
    requestId: { type: "string", pattern: HEX32 },
    requester: { type: "string", pattern: ADDRESS },
    modelId: { type: "string", pattern: HEX32 },
    version: { type: "integer", minimum: 1, maximum: 4294967295 },
    input: { type: "string", pattern: "^0x([0-9a-fA-F]{2})+$" },
    voucher: {
      type: "object",
      additionalProperties: false,
      required: ["cumulativeAmount", "signature"],
      properties: {
        cumulativeAmount: { type: "string", pattern: "^(0|[1-9][0-9]{0,77})$" },
        signature: { type: "string", pattern: "^0x[0-9a-fA-F]{130}$" },
      },
    },
  },
} as const;
