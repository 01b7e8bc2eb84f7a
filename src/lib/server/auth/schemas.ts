import { z } from 'zod';

export const Email = z
	.string()
	.trim()
	.max(254)
	.pipe(z.email({ error: 'must be a valid email address' }));
/** 12 characters at least (OWASP ASVS 2.1.1), 128 at most. */
export const PASSWORD_MIN_LENGTH = 12;
export const Password = z
	.string()
	.min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
	.max(128, 'must be at most 128 characters');

export const Register = z.object({ email: Email, password: Password });
export type Register = z.infer<typeof Register>;

export const Login = z.object({ email: z.string().trim().min(1).max(254), password: z.string().min(1).max(1024) });
export type Login = z.infer<typeof Login>;

export const UserUpdate = z
	.object({
		email: Email.optional(),
		is_admin: z.boolean().optional(),
		status: z.enum(['pending', 'approved', 'disabled']).optional()
	})
	.strict();
export type UserUpdate = z.infer<typeof UserUpdate>;

export const ResetPassword = z.object({ password: Password });
export type ResetPassword = z.infer<typeof ResetPassword>;

export const ChangePassword = z.object({
	current_password: z.string().min(1).max(1024),
	new_password: Password
});
export type ChangePassword = z.infer<typeof ChangePassword>;

export const CreateApiKey = z.object({
	name: z.string().trim().min(1).max(100),
	allowed_models: z.array(z.string().min(1).max(512)).max(100).nullable().optional()
});
export type CreateApiKey = z.infer<typeof CreateApiKey>;
