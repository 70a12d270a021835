import type { OrgRole, ProjectRole } from './types.js';

/**
 * What a role may do, mirroring the server's rules (DESIGN section 4), so the UI disables what would be
 * refused and says why. The server still decides: a refused op shows in the outbox with its reason.
 */
export type Permission = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

const yes: Permission = { allowed: true };
const no = (reason: string): Permission => ({ allowed: false, reason });

const RANK: Record<OrgRole, number> = { member: 1, admin: 2, owner: 3 };
export const isOrgAdmin = (role: OrgRole) => RANK[role] >= RANK.admin;

export function manageOrgMembers(role: OrgRole): Permission {
  return isOrgAdmin(role) ? yes : no('Only org admins and owners add members or change roles; you are a member.');
}

export function renameOrg(role: OrgRole): Permission {
  return isOrgAdmin(role) ? yes : no('Only org admins and owners rename the organization.');
}

export function grantOrgOwner(role: OrgRole): Permission {
  return role === 'owner' ? yes : no('Only an owner makes someone an owner.');
}

/** Who a membership change is about: their role, and how many owners the org or project has now. */
export interface MemberTarget {
  readonly role: string;
  readonly owners: number;
}

/** The last owner can neither step down nor leave (the server's last-owner guard). */
const lastOwner = (target: MemberTarget, what: string): Permission | null =>
  target.role === 'owner' && target.owners <= 1 ? no(`${what} keeps at least one owner: make someone else an owner first.`) : null;

/** Admins change roles; making or unmaking an owner takes an owner. */
export function changeOrgMemberRole(myRole: OrgRole, target: MemberTarget): Permission {
  const manage = manageOrgMembers(myRole);
  if (!manage.allowed) return manage;
  if (target.role === 'owner' && myRole !== 'owner') return no('Only an owner changes an owner’s role.');
  return lastOwner(target, 'An organization') ?? yes;
}

/** Anyone may leave; admins remove members; an owner is removed only by an owner. */
export function removeOrgMember(myRole: OrgRole, self: boolean, target: MemberTarget): Permission {
  const guard = lastOwner(target, 'An organization');
  if (guard) return guard;
  if (self) return yes;
  if (!isOrgAdmin(myRole)) return no('Only org admins and owners remove members.');
  return target.role === 'owner' && myRole !== 'owner' ? no('Only an owner removes an owner.') : yes;
}

/** The project's owners and org admins manage a project's members and delete it. */
export function manageProject(orgRole: OrgRole, projectRole: ProjectRole | null): Permission {
  return projectRole === 'owner' || isOrgAdmin(orgRole) ? yes : no('Only the project’s owners and org admins can do this.');
}

export function changeProjectMemberRole(orgRole: OrgRole, projectRole: ProjectRole | null, target: MemberTarget): Permission {
  const manage = manageProject(orgRole, projectRole);
  if (!manage.allowed) return manage;
  return lastOwner(target, 'A project') ?? yes;
}

export function removeProjectMember(orgRole: OrgRole, projectRole: ProjectRole | null, self: boolean, target: MemberTarget): Permission {
  return lastOwner(target, 'A project') ?? (self ? yes : manageProject(orgRole, projectRole));
}

export function editOrgSettings(role: OrgRole): Permission {
  return isOrgAdmin(role) ? yes : no('Only org admins and owners change organization settings.');
}
