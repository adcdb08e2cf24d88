import { useQuery } from '@tanstack/react-query';
import { api, ApiError, type DatasetSchema } from './client';

/** The stored dataset schema, or null when nothing has been imported yet. */
export function useSchema() {
  return useQuery({
    queryKey: ['schema'],
    queryFn: async () => {
      try {
        return await api<DatasetSchema>('/api/v1/schema');
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }
    },
    staleTime: 60_000,
  });
}

export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.problem.detail || e.problem.title;
  if (e instanceof Error) return e.message;
  return String(e);
}
