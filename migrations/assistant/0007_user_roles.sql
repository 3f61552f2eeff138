-- What a user may do besides using the assistant: 'operator' also sees the operations view
-- (every user's jobs, dead letters and the workers). Set with `assistant-backend users
-- set-role`; the seed makes its first user an operator when none exists.
ALTER TABLE users
    ADD COLUMN role TEXT NOT NULL DEFAULT 'user'
        CONSTRAINT users_role_check CHECK (role IN ('user', 'operator'));
