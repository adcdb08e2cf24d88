import { Navigate, Route, Routes } from 'react-router';
import { useAuth, useCan } from '@/auth/auth';
import { Layout } from '@/components/layout';
import { LoginPage } from '@/pages/login';
import { DashboardPage } from '@/pages/dashboard';
import { CustomersPage } from '@/pages/customers';
import { CustomerDetailPage } from '@/pages/customer_detail';
import { DataPage } from '@/pages/data';
import { UsersPage } from '@/pages/users';

export function App() {
  const { user } = useAuth();
  const isAdmin = useCan('admin');
  if (!user) return <LoginPage />;
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<DashboardPage />} />
        <Route path="customers" element={<CustomersPage />} />
        <Route path="customers/:id" element={<CustomerDetailPage />} />
        <Route path="data" element={<DataPage />} />
        {isAdmin && <Route path="users" element={<UsersPage />} />}
        <Route path="*" element={<Navigate to="/" replace />} />
      </Route>
    </Routes>
  );
}
