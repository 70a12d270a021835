import { z } from 'zod';
import { descriptionSchema, nameSchema } from './entities.js';
import { idSchema, orgRoleSchema, projectRoleSchema, userIdSchema } from './primitives.js';

/** Bodies of the mutating routes (DESIGN section 4). Unknown fields are refused, not silently dropped. */
export const createOrgRequestSchema = z.strictObject({ id: idSchema.optional(), name: nameSchema });
export const updateOrgRequestSchema = z.strictObject({ name: nameSchema });

/** A member is named by exactly one of email or userId. */
function memberRequest<R extends z.ZodType>(role: R) {
  return z
    .strictObject({ email: z.email().max(320).optional(), userId: userIdSchema.optional(), role })
    .refine((b) => (b.email === undefined) !== (b.userId === undefined), { message: 'give exactly one of email or userId' });
}
export const addOrgMemberRequestSchema = memberRequest(orgRoleSchema);
export const updateOrgMemberRequestSchema = z.strictObject({ role: orgRoleSchema });
export const addProjectMemberRequestSchema = memberRequest(projectRoleSchema);
export const updateProjectMemberRequestSchema = z.strictObject({ role: projectRoleSchema });

export const createProjectRequestSchema = z.strictObject({
  id: idSchema.optional(),
  name: nameSchema,
  description: descriptionSchema.optional(),
});
export const updateProjectRequestSchema = z
  .strictObject({ name: nameSchema.optional(), description: descriptionSchema.optional() })
  .refine((b) => b.name !== undefined || b.description !== undefined, { message: 'nothing to update' });

export type CreateOrgRequest = z.infer<typeof createOrgRequestSchema>;
export type UpdateOrgRequest = z.infer<typeof updateOrgRequestSchema>;
export type AddOrgMemberRequest = z.infer<typeof addOrgMemberRequestSchema>;
export type UpdateOrgMemberRequest = z.infer<typeof updateOrgMemberRequestSchema>;
export type AddProjectMemberRequest = z.infer<typeof addProjectMemberRequestSchema>;
export type UpdateProjectMemberRequest = z.infer<typeof updateProjectMemberRequestSchema>;
export type CreateProjectRequest = z.infer<typeof createProjectRequestSchema>;
export type UpdateProjectRequest = z.infer<typeof updateProjectRequestSchema>;
