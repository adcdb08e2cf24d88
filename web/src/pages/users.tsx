import * as React from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { UserPlus } from 'lucide-react';
import { api, ApiError, type Role, type User } from '@/api/client';
import { errorMessage } from '@/api/hooks';
import { useAuth } from '@/auth/auth';
import { PageHeader } from '@/components/layout';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { Badge } from '@/components/ui/badge';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '@/components/ui/select';
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from '@/components/ui/dialog';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { useToast } from '@/components/ui/toast';

const kRoles: Role[] = ['admin', 'analyst', 'viewer'];

function CreateUserDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (o: boolean) => void }) {
  const [username, setUsername] = React.useState('');
  const [password, setPassword] = React.useState('');
  const [role, setRole] = React.useState<Role>('viewer');
  const queryClient = useQueryClient();
  const toast = useToast();
  const create = useMutation({
    mutationFn: () => api<User>('/api/v1/users', { method: 'POST', json: { username, password, role } }),
    onSuccess: (u) => {
      toast(`Created ${u.username} (${u.role})`);
      queryClient.invalidateQueries({ queryKey: ['users'] });
      onOpenChange(false);
    },
  });
  React.useEffect(() => {
    if (open) {
      setUsername('');
      setPassword('');
      setRole('viewer');
      create.reset();
    }
  }, [open]);
  const fieldErrors = create.error instanceof ApiError ? create.error.byField() : {};

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Create user</DialogTitle>
          <DialogDescription>Passwords need at least 10 characters.</DialogDescription>
        </DialogHeader>
        <form
          id="create-user"
          className="flex flex-col gap-4"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          {create.error && (
            <p role="alert" className="rounded-md border border-destructive/40 bg-destructive/10 px-3 py-2 text-sm text-destructive">
              {errorMessage(create.error)}
            </p>
          )}
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="new-username">Username</Label>
            <Input id="new-username" autoComplete="off" value={username} aria-invalid={fieldErrors.username ? true : undefined} onChange={(e) => setUsername(e.target.value)} />
            {fieldErrors.username && <p className="text-xs text-destructive">{fieldErrors.username}</p>}
          </div>
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="new-password">Password</Label>
            <Input id="new-password" type="password" autoComplete="new-password" value={password} aria-invalid={fieldErrors.password ? true : undefined} onChange={(e) => setPassword(e.target.value)} />
            {fieldErrors.password && <p className="text-xs text-destructive">{fieldErrors.password}</p>}
          </div>
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="new-role">Role</Label>
            <Select value={role} onValueChange={(r) => setRole(r as Role)}>
              <SelectTrigger id="new-role">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                {kRoles.map((r) => (
                  <SelectItem key={r} value={r}>
                    {r}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </div>
        </form>
        <DialogFooter>
          <Button variant="outline" onClick={() => onOpenChange(false)}>
            Cancel
          </Button>
          <Button type="submit" form="create-user" disabled={create.isPending}>
            Create user
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}

export function UsersPage() {
  const { user: me } = useAuth();
  const [creating, setCreating] = React.useState(false);
  const queryClient = useQueryClient();
  const toast = useToast();
  const users = useQuery({ queryKey: ['users'], queryFn: () => api<{ items: User[]; total?: number }>('/api/v1/users') });
  const patch = useMutation({
    mutationFn: ({ id, change }: { id: number; change: Partial<Pick<User, 'role' | 'active'>> }) =>
      api<User>(`/api/v1/users/${id}`, { method: 'PATCH', json: change }),
    onSuccess: (u) => {
      toast(`${u.username}: ${u.role}, ${u.active ? 'active' : 'deactivated'}`);
      queryClient.invalidateQueries({ queryKey: ['users'] });
    },
    onError: (e) => toast(errorMessage(e), 'error'),
  });

  return (
    <>
      <PageHeader
        title="Users"
        description="Who can sign in, and what they may do: viewers read, analysts also change data, admins also manage users."
        actions={
          <Button onClick={() => setCreating(true)}>
            <UserPlus /> Create user
          </Button>
        }
      />
      {users.error && <p role="alert" className="mb-4 text-sm text-destructive">{errorMessage(users.error)}</p>}
      <Card className="overflow-hidden">
        <Table aria-label="Users">
          <THead>
            <TR className="hover:bg-transparent">
              <TH>Username</TH>
              <TH>Role</TH>
              <TH>Status</TH>
              <TH>Created</TH>
              <TH>
                <span className="sr-only">Actions</span>
              </TH>
            </TR>
          </THead>
          <TBody>
            {(users.data?.items ?? []).map((u) => {
              const self = u.id === me?.id;
              return (
                <TR key={u.id}>
                  <TD className="font-medium">
                    {u.username}
                    {self && <span className="ml-2 text-xs text-muted-foreground">(you)</span>}
                  </TD>
                  <TD>
                    <Select value={u.role} disabled={self || patch.isPending} onValueChange={(r) => patch.mutate({ id: u.id, change: { role: r as Role } })}>
                      <SelectTrigger className="w-32" aria-label={`Role of ${u.username}`}>
                        <SelectValue />
                      </SelectTrigger>
                      <SelectContent>
                        {kRoles.map((r) => (
                          <SelectItem key={r} value={r}>
                            {r}
                          </SelectItem>
                        ))}
                      </SelectContent>
                    </Select>
                  </TD>
                  <TD>{u.active ? <Badge variant="success">Active</Badge> : <Badge variant="outline">Deactivated</Badge>}</TD>
                  <TD className="text-muted-foreground">{u.created_at ? new Date(u.created_at).toLocaleDateString() : '—'}</TD>
                  <TD className="text-right">
                    {!self && (
                      <Button variant="outline" size="sm" disabled={patch.isPending} onClick={() => patch.mutate({ id: u.id, change: { active: !u.active } })}>
                        {u.active ? 'Deactivate' : 'Reactivate'}
                      </Button>
                    )}
                  </TD>
                </TR>
              );
            })}
          </TBody>
        </Table>
      </Card>
      <CreateUserDialog open={creating} onOpenChange={setCreating} />
    </>
  );
}
