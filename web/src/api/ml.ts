// Types and queries for models, predictions and risk (see openapi.json).
import { useQuery } from '@tanstack/react-query';
import type { components } from './schema';
import { api, ApiError } from './client';
import { outcomesParams } from '@/lib/lifecycle';

export type Model = components['schemas']['Model'];
export type ModelMetrics = components['schemas']['ModelMetrics'];
export type TrainRequest = components['schemas']['TrainRequest'];
export type TrainResult = components['schemas']['TrainResult'];
export type Reason = components['schemas']['Reason'];
export type Prediction = components['schemas']['Prediction'];
export type RiskRecord = components['schemas']['RiskRecord'];
export type RiskSummary = components['schemas']['RiskSummary'];
export type RiskOutcomes = components['schemas']['RiskOutcomes'];
export type ScoringResult = components['schemas']['ScoringResult'];
export type Algorithm = NonNullable<TrainRequest['algorithm']>;

export const algorithmLabels: Record<Algorithm, string> = {
  gbdt: 'Gradient-boosted trees',
  random_forest: 'Random forest',
  logistic: 'Logistic regression',
};

export function useModels() {
  return useQuery({
    queryKey: ['models'],
    queryFn: async () => (await api<{ items?: Model[] }>('/api/v1/models')).items ?? [],
  });
}

export function useModel(version: number | null | undefined) {
  return useQuery({
    queryKey: ['models', version],
    queryFn: () => api<Model>(`/api/v1/models/${version}`),
    enabled: typeof version === 'number' && version > 0,
    staleTime: 5 * 60_000,
  });
}

/** The production model, or null when none has been promoted yet. */
export function useProductionModel() {
  const models = useModels();
  return { ...models, data: models.data ? (models.data.find((m) => m.stage === 'production') ?? null) : undefined };
}

export function useRiskSummary(limit = 10, days = 30) {
  return useQuery({
    queryKey: ['risk', 'summary', limit, days],
    queryFn: () => api<RiskSummary>(`/api/v1/risk/summary?limit=${limit}&days=${days}`),
  });
}

export function useRiskHistory(customerId: string) {
  return useQuery({
    queryKey: ['risk', 'history', customerId],
    queryFn: async () => {
      try {
        return (
          (await api<{ items?: RiskRecord[] }>(`/api/v1/customers/${encodeURIComponent(customerId)}/risk-history?limit=500`)).items ?? []
        );
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return [];
        throw e;
      }
    },
  });
}

/** True for the error predict and scoring answer when no model is in production. */
export function isNoModel(e: unknown): boolean {
  return e instanceof ApiError && (e.status === 409 || e.status === 404 || e.status === 503) && /model/i.test(e.message);
}

/**
 * Active customers whose current probability is at or above the high-risk
 * threshold (a departed customer's prediction of record does not count).
 */
export function useHighRiskCount(threshold: number | undefined) {
  return useQuery({
    queryKey: ['risk', 'high-count', threshold],
    queryFn: async () => (await api<{ total: number }>(`/api/v1/customers?limit=1&status=active&risk%5Bgte%5D=${threshold}`)).total,
    enabled: typeof threshold === 'number',
  });
}

/**
 * How the scores before departure compared with who left in the last `days`
 * days. The window is taken when the query runs, so the key stays stable.
 */
export function useRiskOutcomes(days: number, modelVersion?: number | null) {
  return useQuery({
    queryKey: ['risk', 'outcomes', days, modelVersion ?? null],
    queryFn: () => api<RiskOutcomes>(`/api/v1/risk/outcomes?${outcomesParams(days, new Date(), modelVersion)}`),
  });
}
