// App shell: sidebar navigation (a drawer on small screens), top bar with
// the signed-in user, theme toggle and sign-out. New pages join `navItems`.
import * as React from 'react';
import { Suspense } from 'react';
import * as DialogPrimitive from '@radix-ui/react-dialog';
import { NavLink, Outlet, useLocation } from 'react-router';
import { Activity, BellRing, BookOpen, BrainCircuit, Database, FlaskConical, LayoutDashboard, ListChecks, LogOut, Menu, Moon, ScrollText, ShieldAlert, Sun, Users, UsersRound, X } from 'lucide-react';
import { useAuth, useCan } from '@/auth/auth';
import { useTheme } from '@/lib/theme';
import { Button } from '@/components/ui/button';
import { Badge } from '@/components/ui/badge';
import { cn } from '@/lib/utils';
import type { Role } from '@/api/client';

const navItems: { to: string; label: string; icon: React.ComponentType<{ className?: string }>; role: Role }[] = [
  { to: '/', label: 'Dashboard', icon: LayoutDashboard, role: 'viewer' },
  { to: '/customers', label: 'Customers', icon: UsersRound, role: 'viewer' },
  { to: '/risk', label: 'Risk monitor', icon: ShieldAlert, role: 'viewer' },
  { to: '/what-if', label: 'What-if', icon: FlaskConical, role: 'viewer' },
  { to: '/models', label: 'Models', icon: BrainCircuit, role: 'viewer' },
  { to: '/data', label: 'Data', icon: Database, role: 'viewer' },
  { to: '/alerts', label: 'Alerts', icon: BellRing, role: 'viewer' },
  { to: '/jobs', label: 'Jobs', icon: ListChecks, role: 'viewer' },
  { to: '/users', label: 'Users', icon: Users, role: 'admin' },
  { to: '/audit', label: 'Audit log', icon: ScrollText, role: 'admin' },
];

function Nav({ onNavigate }: { onNavigate?: () => void }) {
  const isAdmin = useCan('admin');
  return (
    <nav aria-label="Main" className="flex flex-col gap-1 p-3">
      {navItems
        .filter((i) => i.role !== 'admin' || isAdmin)
        .map(({ to, label, icon: Icon }) => (
          <NavLink
            key={to}
            to={to}
            end={to === '/'}
            onClick={onNavigate}
            className={({ isActive }) =>
              cn(
                'flex items-center gap-3 rounded-md px-3 py-2 text-sm font-medium text-muted-foreground transition-colors hover:bg-muted hover:text-foreground focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring',
                isActive && 'bg-accent text-accent-foreground hover:bg-accent',
              )
            }
          >
            <Icon className="size-4" />
            {label}
          </NavLink>
        ))}
      <a
        href="/api-docs/"
        target="_blank"
        rel="noopener"
        className="mt-2 flex items-center gap-3 rounded-md border-t px-3 py-2 pt-3 text-sm font-medium text-muted-foreground transition-colors hover:bg-muted hover:text-foreground focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
      >
        <BookOpen className="size-4" />
        API docs
      </a>
    </nav>
  );
}

function Brand() {
  return (
    <div className="flex h-14 items-center gap-2 border-b px-5">
      <Activity className="size-5 text-primary" aria-hidden />
      <span className="text-base font-semibold tracking-tight">churnwatch</span>
    </div>
  );
}

export function Layout() {
  const { user, logout } = useAuth();
  const [theme, toggleTheme] = useTheme();
  const [open, setOpen] = React.useState(false);
  const location = useLocation();
  React.useEffect(() => setOpen(false), [location.pathname]);

  return (
    <div className="min-h-screen lg:grid lg:grid-cols-[15rem_1fr]">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:fixed focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-card focus:px-3 focus:py-2"
      >
        Skip to content
      </a>
      <aside className="hidden border-r bg-card lg:block">
        <div className="sticky top-0">
          <Brand />
          <Nav />
        </div>
      </aside>
      <DialogPrimitive.Root open={open} onOpenChange={setOpen}>
        <DialogPrimitive.Portal>
          <DialogPrimitive.Overlay className="fixed inset-0 z-40 bg-black/50 lg:hidden" />
          <DialogPrimitive.Content
            aria-describedby={undefined}
            className="fixed inset-y-0 left-0 z-50 w-64 border-r bg-card shadow-xl focus:outline-none lg:hidden"
          >
            <DialogPrimitive.Title className="sr-only">Navigation</DialogPrimitive.Title>
            <div className="flex items-center justify-between border-b pr-2 [&>div]:border-b-0">
              <Brand />
              <DialogPrimitive.Close asChild>
                <Button variant="ghost" size="icon" aria-label="Close navigation">
                  <X />
                </Button>
              </DialogPrimitive.Close>
            </div>
            <Nav onNavigate={() => setOpen(false)} />
          </DialogPrimitive.Content>
        </DialogPrimitive.Portal>
      </DialogPrimitive.Root>
      <div className="flex min-w-0 flex-col">
        <header className="sticky top-0 z-30 flex h-14 items-center gap-2 border-b bg-background/90 px-4 backdrop-blur sm:px-6">
          <Button
            variant="ghost"
            size="icon"
            className="lg:hidden"
            aria-label="Open navigation"
            aria-expanded={open}
            onClick={() => setOpen(true)}
          >
            <Menu />
          </Button>
          <span className="flex items-center gap-2 font-semibold tracking-tight lg:hidden">
            <Activity className="size-4 text-primary" aria-hidden />
            churnwatch
          </span>
          <div className="ml-auto flex items-center gap-2">
            {user && (
              <div className="flex items-center gap-2 text-sm" aria-label="Signed in user">
                <span className="hidden font-medium sm:inline" data-testid="current-user">
                  {user.username}
                </span>
                <Badge variant="outline" data-testid="current-role">
                  {user.role}
                </Badge>
              </div>
            )}
            <Button
              variant="ghost"
              size="icon"
              onClick={toggleTheme}
              aria-label={theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
            >
              {theme === 'dark' ? <Sun /> : <Moon />}
            </Button>
            <Button variant="ghost" size="sm" onClick={() => logout()} aria-label="Sign out">
              <LogOut />
              <span className="hidden sm:inline">Sign out</span>
            </Button>
          </div>
        </header>
        <main id="main" tabIndex={-1} className="mx-auto w-full max-w-7xl flex-1 px-4 py-6 focus:outline-none sm:px-6 lg:py-8">
          <Suspense fallback={<p className="text-sm text-muted-foreground">Loading…</p>}>
            <Outlet />
          </Suspense>
        </main>
      </div>
    </div>
  );
}

export function PageHeader({
  title,
  description,
  actions,
}: {
  title: React.ReactNode;
  description?: React.ReactNode;
  actions?: React.ReactNode;
}) {
  return (
    <div className="mb-6 flex flex-col gap-3 sm:flex-row sm:items-end sm:justify-between">
      <div className="min-w-0">
        <h1 className="truncate text-2xl font-semibold tracking-tight">{title}</h1>
        {description && <p className="mt-1 text-sm text-muted-foreground">{description}</p>}
      </div>
      {actions && <div className="flex flex-wrap items-center gap-2">{actions}</div>}
    </div>
  );
}
