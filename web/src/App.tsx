import { lazy } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { useAuth, useCan } from '@/auth/auth';
import { Layout } from '@/components/layout';
import { LoginPage } from '@/pages/login';

// Pages load on first visit; the charting library stays out of the login bundle.
const DashboardPage = lazy(() => import('@/pages/dashboard').then((m) => ({ default: m.DashboardPage })));
const CustomersPage = lazy(() => import('@/pages/customers').then((m) => ({ default: m.CustomersPage })));
const CustomerDetailPage = lazy(() => import('@/pages/customer_detail').then((m) => ({ default: m.CustomerDetailPage })));
const DataPage = lazy(() => import('@/pages/data').then((m) => ({ default: m.DataPage })));
const RiskPage = lazy(() => import('@/pages/risk').then((m) => ({ default: m.RiskPage })));
const WhatIfPage = lazy(() => import('@/pages/whatif').then((m) => ({ default: m.WhatIfPage })));
const ModelsPage = lazy(() => import('@/pages/models').then((m) => ({ default: m.ModelsPage })));
const JobsPage = lazy(() => import('@/pages/jobs').then((m) => ({ default: m.JobsPage })));
const UsersPage = lazy(() => import('@/pages/users').then((m) => ({ default: m.UsersPage })));
const AlertsPage = lazy(() => import('@/pages/alerts').then((m) => ({ default: m.AlertsPage })));
const AuditPage = lazy(() => import('@/pages/audit').then((m) => ({ default: m.AuditPage })));

export function App() {
  const { user, ready } = useAuth();
  const isAdmin = useCan('admin');
  if (!ready)
    return (
      <div role="status" aria-live="polite" className="flex min-h-screen items-center justify-center text-sm text-muted-foreground">
        Restoring your session…
      </div>
    );
  if (!user) return <LoginPage />;
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<DashboardPage />} />
        <Route path="customers" element={<CustomersPage />} />
        <Route path="customers/:id" element={<CustomerDetailPage />} />
        <Route path="risk" element={<RiskPage />} />
        <Route path="what-if" element={<WhatIfPage />} />
        <Route path="models" element={<ModelsPage />} />
        <Route path="data" element={<DataPage />} />
        <Route path="alerts" element={<AlertsPage />} />
        <Route path="jobs" element={<JobsPage />} />
        {isAdmin && <Route path="users" element={<UsersPage />} />}
        {isAdmin && <Route path="audit" element={<AuditPage />} />}
        <Route path="*" element={<Navigate to="/" replace />} />
      </Route>
    </Routes>
  );
}
