import { z } from 'zod';
import { ERROR_CODE_LIST, type ErrorCode } from '../errors/error-codes.js';
import { timeMsSchema } from './primitives.js';

/** The one error body of every /api failure outside /api/auth/*. */
export const errorBodySchema = z.object({
  code: z.enum(ERROR_CODE_LIST as [ErrorCode, ...ErrorCode[]]),
  message: z.string(),
  statusCode: z.int().min(400).max(599),
  details: z.record(z.string(), z.unknown()).optional(),
  timestamp: timeMsSchema,
});
export type ErrorBody = z.infer<typeof errorBodySchema>;
