/**
 * Gateway accounts (issue 8): users with a role and, for viewers, the cameras they may see. The desktop app
 * needs no login; the LAN gateway always does. Passwords are only ever inputs: no output carries one.
 */
import { z } from 'zod';
import { CameraId, CONTROL_CHARACTERS } from './cameras.js';

export const USER_NAME_MAX = 64;
export const PASSWORD_MIN = 8;
/** Longer passphrases gain nothing and cost hashing time. */
export const PASSWORD_MAX = 256;

export const UserId = z.string().regex(/^usr-[0-9a-f]{10}$/, 'must be a user id like usr-0123456789');

export const Role = z.enum(['admin', 'viewer']);
export type Role = z.infer<typeof Role>;

/** A sign-in name: 1 to 64 characters, no control characters; compared without regard to case. */
export const UserName = z
  .string({ error: 'is required' })
  .trim()
  .refine((value) => value.length > 0, 'must not be empty')
  .refine((value) => Array.from(value).length <= USER_NAME_MAX, `must be at most ${USER_NAME_MAX} characters`)
  .refine((value) => !CONTROL_CHARACTERS.test(value), 'must not contain control characters');

export const NewPassword = z
  .string({ error: 'is required' })
  .min(PASSWORD_MIN, `must be at least ${PASSWORD_MIN} characters`)
  .max(PASSWORD_MAX, `must be at most ${PASSWORD_MAX} characters`);

/** Null: every camera (admins always; a viewer given null sees cameras added later too). */
export const CameraAccess = z
  .array(CameraId)
  .max(1024, 'must list at most 1024 cameras')
  .refine((ids) => new Set(ids).size === ids.length, 'must not name a camera twice')
  .nullable();

export const User = z.object({
  id: UserId,
  name: z.string(),
  role: Role,
  cameraIds: z.array(CameraId).nullable(),
  createdAt: z.number().int().describe('UTC epoch milliseconds'),
  updatedAt: z.number().int().describe('UTC epoch milliseconds'),
});
export type User = z.infer<typeof User>;

export const UserIdInput = z.strictObject({ id: UserId });

export const UserAddInput = z.strictObject({
  name: UserName,
  password: NewPassword,
  role: Role,
  /** Viewers only; default: none (an admin grants cameras). Ignored for admins, who see everything. */
  cameraIds: CameraAccess.optional(),
});

/** Changes the given fields; a new password ends the user's sessions. */
export const UserUpdateInput = z.strictObject({
  id: UserId,
  name: UserName.optional(),
  password: NewPassword.optional(),
  role: Role.optional(),
  cameraIds: CameraAccess.optional(),
});

/** `POST /api/auth/login`. Any string is accepted so a wrong one gets the one answer for all failures. */
export const LoginInput = z.strictObject({
  name: z.string().max(1024),
  password: z.string().max(1024),
});

/** `POST /api/auth/setup`: the first admin account, with the one-time code the server printed at start. */
export const SetupInput = z.strictObject({
  setupCode: z.string().max(256),
  name: UserName,
  password: NewPassword,
});

/** `POST /api/auth/password`: a signed-in user changes their own password. */
export const PasswordChangeInput = z.strictObject({
  currentPassword: z.string().max(1024),
  newPassword: NewPassword,
});

export const SessionInfo = z.object({
  user: User,
  /** When the session ends unless used (it slides on use, up to an absolute limit). */
  expiresAt: z.number().int(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

/** The answer to login and setup: the session token (also set as an HttpOnly cookie) and who signed in. */
export const LoginResult = SessionInfo.extend({
  token: z.string().describe('Send as `Authorization: Bearer <token>`; browsers use the cookie instead'),
});
export type LoginResult = z.infer<typeof LoginResult>;

/** `GET /api/auth/state`, the one unauthenticated answer besides login: whether setup is still needed. */
export const AuthState = z.object({ setupRequired: z.boolean() });
