// Who is signed in. The token is kept in memory by the API client; a 401
// from any request signs the user out and the router shows the login page.
import * as React from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api, setAccessToken, setUnauthorizedHandler, type LoginResponse, type Role, type User } from '@/api/client';

interface AuthState {
  user: User | null;
  /** Why the last session ended, shown on the login page. */
  notice: string | null;
  login: (username: string, password: string) => Promise<void>;
  logout: (notice?: string) => void;
}

const AuthContext = React.createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: React.ReactNode }) {
  const [user, setUser] = React.useState<User | null>(null);
  const [notice, setNotice] = React.useState<string | null>(null);
  const queryClient = useQueryClient();

  const logout = React.useCallback(
    (why?: string) => {
      setAccessToken(null);
      setUser(null);
      setNotice(why ?? null);
      queryClient.clear();
    },
    [queryClient],
  );

  React.useEffect(() => {
    setUnauthorizedHandler(() => logout('Your session has ended. Please sign in again.'));
    return () => setUnauthorizedHandler(null);
  }, [logout]);

  const login = React.useCallback(async (username: string, password: string) => {
    const response = await api<LoginResponse>('/api/v1/auth/login', {
      method: 'POST',
      json: { username, password },
    });
    setAccessToken(response.access_token);
    const me = response.user ?? (await api<User>('/api/v1/auth/me'));
    setNotice(null);
    setUser(me);
  }, []);

  const value = React.useMemo(() => ({ user, notice, login, logout }), [user, notice, login, logout]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const ctx = React.useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}

const rank: Record<Role, number> = { viewer: 0, analyst: 1, admin: 2 };

/** Whether the signed-in user has at least `role`. */
export function useCan(role: Role): boolean {
  const { user } = useAuth();
  return user ? rank[user.role] >= rank[role] : false;
}
