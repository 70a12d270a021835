import * as z from 'zod/mini';
import { ERROR_CODE_LIST, type ErrorCode } from '../errors/error-codes.js';
import { timeMsSchema } from './primitives.js';

/** The one error body of every /api failure outside /api/auth/*. */
export const errorBodySchema = z.object({
  code: z.enum(ERROR_CODE_LIST as [ErrorCode, ...ErrorCode[]]),
  message: z.string(),
  statusCode: z.int().check(z.minimum(400), z.maximum(599)),
  details: z.optional(z.record(z.string(), z.unknown())),
  timestamp: timeMsSchema,
});
export type ErrorBody = z.infer<typeof errorBodySchema>;
