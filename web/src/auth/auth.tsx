// Who is signed in. The access token is kept in memory by the API client and
// renewed from the HttpOnly session cookie: on load (so a reload keeps the
// user signed in) and when a request finds it expired. When the session
// cannot be renewed the user is signed out and the router shows the login page.
import * as React from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api, endSession, refreshSession, setAccessToken, setUnauthorizedHandler, type LoginResponse, type Role, type User } from '@/api/client';

interface AuthState {
  user: User | null;
  /** False until the session cookie has been tried on load. */
  ready: boolean;
  /** Why the last session ended, shown on the login page. */
  notice: string | null;
  login: (username: string, password: string) => Promise<void>;
  logout: (notice?: string) => void;
}

const AuthContext = React.createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: React.ReactNode }) {
  const [user, setUser] = React.useState<User | null>(null);
  const [notice, setNotice] = React.useState<string | null>(null);
  const [ready, setReady] = React.useState(false);
  const queryClient = useQueryClient();

  // A signed-out user (button) ends the session on the server too; a session
  // the server already ended (why given) only needs forgetting here.
  const logout = React.useCallback(
    (why?: string) => {
      if (why === undefined) void endSession();
      setAccessToken(null);
      setUser(null);
      setNotice(why ?? null);
      queryClient.clear();
    },
    [queryClient],
  );

  React.useEffect(() => {
    let cancelled = false;
    void (async () => {
      const session = await refreshSession();
      if (session && !cancelled) {
        try {
          const me = session.user ?? (await api<User>('/api/v1/auth/me'));
          if (!cancelled) setUser(me);
        } catch {
          setAccessToken(null);
        }
      }
      if (!cancelled) setReady(true);
    })();
    return () => {
      cancelled = true;
    };
  }, []);

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

  const value = React.useMemo(() => ({ user, ready, notice, login, logout }), [user, ready, notice, login, logout]);
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
