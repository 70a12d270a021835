import * as z from 'zod/mini';
import { descriptionSchema, nameSchema } from './entities.js';
import { idSchema, orgRoleSchema, projectRoleSchema, userIdSchema } from './primitives.js';

/** Bodies of the mutating routes (DESIGN section 4). Unknown fields are refused, not silently dropped. */
export const createOrgRequestSchema = z.strictObject({ id: z.optional(idSchema), name: nameSchema });
export const updateOrgRequestSchema = z.strictObject({ name: nameSchema });

/** A member is named by exactly one of email or userId. */
function memberRequest<R extends z.ZodMiniType>(role: R) {
  return z
    .strictObject({ email: z.optional(z.email().check(z.maxLength(320))), userId: z.optional(userIdSchema), role })
    .check(z.refine((b) => (b.email === undefined) !== (b.userId === undefined), { message: 'give exactly one of email or userId' }));
}
export const addOrgMemberRequestSchema = memberRequest(orgRoleSchema);
export const updateOrgMemberRequestSchema = z.strictObject({ role: orgRoleSchema });
export const addProjectMemberRequestSchema = memberRequest(projectRoleSchema);
export const updateProjectMemberRequestSchema = z.strictObject({ role: projectRoleSchema });

export const createProjectRequestSchema = z.strictObject({
  id: z.optional(idSchema),
  name: nameSchema,
  description: z.optional(descriptionSchema),
});
export const updateProjectRequestSchema = z
  .strictObject({ name: z.optional(nameSchema), description: z.optional(descriptionSchema) })
  .check(z.refine((b) => b.name !== undefined || b.description !== undefined, { message: 'nothing to update' }));

export type CreateOrgRequest = z.infer<typeof createOrgRequestSchema>;
export type UpdateOrgRequest = z.infer<typeof updateOrgRequestSchema>;
export type AddOrgMemberRequest = z.infer<typeof addOrgMemberRequestSchema>;
export type UpdateOrgMemberRequest = z.infer<typeof updateOrgMemberRequestSchema>;
export type AddProjectMemberRequest = z.infer<typeof addProjectMemberRequestSchema>;
export type UpdateProjectMemberRequest = z.infer<typeof updateProjectMemberRequestSchema>;
export type CreateProjectRequest = z.infer<typeof createProjectRequestSchema>;
export type UpdateProjectRequest = z.infer<typeof updateProjectRequestSchema>;
