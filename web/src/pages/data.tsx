// Data: import a CSV (preview and edit the inferred schema first), view the
// current schema, export everything.
import * as React from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { CheckCircle2, Download, FileUp } from 'lucide-react';
import { api, ApiError, type Attribute, type DatasetSchema, type ImportResult } from '@/api/client';
import { errorMessage, useSchema } from '@/api/hooks';
import { isFinished, jobFailure, useCancelJob, useJob, type Job } from '@/api/jobs';
import { useCan } from '@/auth/auth';
import { JobProgress } from '@/components/job_progress';
import { PageHeader } from '@/components/layout';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from '@/components/ui/select';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { Badge } from '@/components/ui/badge';
import { useToast } from '@/components/ui/toast';
import { downloadFile } from '@/lib/download';
import { reportFromJob, reportFromProblem, type ImportReport } from '@/lib/import_report';
import { numberFormat } from '@/lib/utils';

const kTypes: Attribute['type'][] = ['number', 'integer', 'boolean', 'category', 'text', 'date'];
const kRoles: Attribute['role'][] = ['id', 'label', 'feature', 'display', 'ignored', 'departure_date'];
type Mode = 'insert' | 'upsert' | 'replace';
const kModes: { value: Mode; label: string; hint: string }[] = [
  { value: 'insert', label: 'Insert', hint: 'add new customers; an existing id fails the import' },
  { value: 'upsert', label: 'Upsert', hint: 'add new customers and update existing ones' },
  { value: 'replace', label: 'Replace', hint: 'delete all customers, then load this file' },
];
/** Inference needs a sample, not the whole file. */
const kSampleBytes = 1 << 20;

async function sampleOf(file: File): Promise<string> {
  if (file.size <= kSampleBytes) return file.text();
  const text = await file.slice(0, kSampleBytes).text();
  return text.slice(0, text.lastIndexOf('\n') + 1);
}

/**
 * Keeps a single id, label and departure date: choosing one demotes any other
 * id or label to feature, and another departure date to ignored (a departure
 * date as a feature would tell the model who left).
 */
export function setRole(attributes: Attribute[], index: number, role: Attribute['role']): Attribute[] {
  return attributes.map((a, i) => {
    if (i === index) return { ...a, role };
    if ((role === 'label' || role === 'id') && a.role === role) return { ...a, role: 'feature' };
    if (role === 'departure_date' && a.role === role) return { ...a, role: 'ignored' };
    return a;
  });
}

/** Only a date can be the departure date: another type drops that role (to ignored). */
export function setType(attributes: Attribute[], index: number, type: Attribute['type']): Attribute[] {
  return attributes.map((a, i) =>
    i !== index ? a : { ...a, type, role: a.role === 'departure_date' && type !== 'date' ? 'ignored' : a.role },
  );
}

/** The role select's text: the API's role names, with the one two-word role spelled out. */
export function roleText(role: Attribute['role']): string {
  return role === 'departure_date' ? 'departure date' : role;
}

function SchemaEditor({ schema, onChange }: { schema: DatasetSchema; onChange: (s: DatasetSchema) => void }) {
  const update = (attributes: Attribute[]) => onChange({ ...schema, attributes });
  return (
    <Table aria-label="Proposed schema">
      <THead>
        <TR className="hover:bg-transparent">
          <TH>Column</TH>
          <TH>Type</TH>
          <TH>Role</TH>
          <TH>Values</TH>
        </TR>
      </THead>
      <TBody>
        {schema.attributes.map((a, i) => (
          <TR key={a.name}>
            <TD className="font-medium">{a.name}</TD>
            <TD>
              <Select
                value={a.type}
                onValueChange={(t) => update(setType(schema.attributes, i, t as Attribute['type']))}
              >
                <SelectTrigger className="w-32" aria-label={`Type of ${a.name}`}>
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  {kTypes.map((t) => (
                    <SelectItem key={t} value={t}>
                      {t}
                    </SelectItem>
                  ))}
                </SelectContent>
              </Select>
            </TD>
            <TD>
              <Select value={a.role} onValueChange={(r) => update(setRole(schema.attributes, i, r as Attribute['role']))}>
                <SelectTrigger className="w-36" aria-label={`Role of ${a.name}`}>
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  {kRoles.map((r) => (
                    <SelectItem key={r} value={r} disabled={r === 'departure_date' && a.type !== 'date'}>
                      {roleText(r)}
                      {r === 'departure_date' && a.type !== 'date' && <span className="ml-1 text-xs text-muted-foreground">(dates only)</span>}
                    </SelectItem>
                  ))}
                </SelectContent>
              </Select>
            </TD>
            <TD className="max-w-64 truncate text-muted-foreground">
              {a.type === 'category' && a.categories?.join(', ')}
              {a.type === 'boolean' && a.true_text !== undefined && `${a.true_text} = yes, ${a.false_text} = no`}
            </TD>
          </TR>
        ))}
      </TBody>
    </Table>
  );
}

function ValidationReport({ report }: { report: ImportReport }) {
  const rows = report.errors;
  return (
    <div role="alert" className="flex flex-col gap-3">
      <p className="text-sm font-medium text-destructive">
        {report.summary}. Nothing was imported.
        {report.total > rows.length && ` The first ${numberFormat.format(rows.length)} are listed.`}
      </p>
      {rows.length > 0 && (
        <Card className="max-h-80 overflow-auto">
          <Table aria-label="Validation errors">
            <THead>
              <TR className="hover:bg-transparent">
                <TH>Line</TH>
                <TH>Column</TH>
                <TH>Field</TH>
                <TH>Message</TH>
              </TR>
            </THead>
            <TBody>
              {rows.map((r, i) => (
                <TR key={i}>
                  <TD className="tabular-nums">{r.line ?? '—'}</TD>
                  <TD className="tabular-nums">{r.column ?? '—'}</TD>
                  <TD className="font-medium">{r.field}</TD>
                  <TD className="whitespace-normal">{r.message}</TD>
                </TR>
              ))}
            </TBody>
          </Table>
        </Card>
      )}
    </div>
  );
}

/**
 * The schema to start editing from: the stored one when the file has exactly
 * its columns (a small sample would otherwise propose narrower types and
 * categories), else the inferred proposal.
 */
export function startingSchema(inferred: DatasetSchema, stored: DatasetSchema | null | undefined): { schema: DatasetSchema; stored: boolean } {
  if (stored) {
    const names = new Set(inferred.attributes.map((a) => a.name));
    if (names.size === stored.attributes.length && stored.attributes.every((a) => names.has(a.name)))
      return { schema: stored, stored: true };
  }
  return { schema: inferred, stored: false };
}

function ImportCard({ current }: { current: DatasetSchema | null | undefined }) {
  const queryClient = useQueryClient();
  const toast = useToast();
  const [file, setFile] = React.useState<File | null>(null);
  const [proposal, setProposal] = React.useState<DatasetSchema | null>(null);
  // True while the proposal is the stored schema, unedited: then the import
  // sends no schema and the stored version stays.
  const [keepStored, setKeepStored] = React.useState(false);
  const [mode, setMode] = React.useState<Mode>('insert');
  const [result, setResult] = React.useState<ImportResult | null>(null);
  // The import runs as a background job: its progress shows while it runs,
  // and a failure on bad rows comes back as the job's error_details.
  const [jobId, setJobId] = React.useState<string | null>(null);

  const infer = useMutation({
    mutationFn: async (f: File) =>
      api<DatasetSchema>('/api/v1/schema/infer', { method: 'POST', body: await sampleOf(f), contentType: 'text/csv' }),
    onSuccess: (inferred) => {
      const start = startingSchema(inferred, current);
      setProposal(start.schema);
      setKeepStored(start.stored);
    },
  });
  const importFile = useMutation({
    // One key per click: a retried request starts one import, not two.
    mutationFn: (key: string) => {
      const form = new FormData();
      form.append('file', file!, file!.name);
      if (proposal && !keepStored) form.append('schema', new Blob([JSON.stringify(proposal)], { type: 'application/json' }));
      return api<Job>(`/api/v1/customers/import?mode=${mode}&async=true`, { method: 'POST', body: form, idempotencyKey: key });
    },
    onSuccess: (j) => setJobId(j.id),
  });
  const job = useJob(jobId);
  const cancel = useCancelJob();
  const finished = isFinished(job.data) ? job.data : undefined;
  React.useEffect(() => {
    if (!finished) return;
    if (finished.state === 'succeeded') {
      setResult(finished.result as ImportResult);
      toast(`Imported ${file?.name ?? 'the file'}`);
    }
    // A cancelled or failed import changed nothing, but the lists may be
    // stale anyway; refreshing them is cheap.
    queryClient.invalidateQueries({ queryKey: ['schema'] });
    queryClient.invalidateQueries({ queryKey: ['customers'] });
    queryClient.invalidateQueries({ queryKey: ['dashboard'] });
    queryClient.invalidateQueries({ queryKey: ['jobs'] });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [finished?.id, finished?.state]);

  function choose(f: File | null) {
    setFile(f);
    setProposal(null);
    setResult(null);
    setJobId(null);
    infer.reset();
    importFile.reset();
    if (f) infer.mutate(f);
  }

  const running = importFile.isPending || (!!jobId && !finished);
  const startError = importFile.error;
  const jobReport = finished ? reportFromJob(finished) : null;
  const jobError = !jobReport && finished ? jobFailure(finished) : null;
  return (
    <Card>
      <CardHeader>
        <CardTitle>Import customers</CardTitle>
        <CardDescription>Upload a CSV with a header row. The import is all or nothing.</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-5">
        <div className="flex flex-col gap-2">
          <Label htmlFor="import-file">CSV file</Label>
          <Input
            id="import-file"
            type="file"
            accept=".csv,text/csv"
            className="max-w-md cursor-pointer"
            onChange={(e) => choose(e.target.files?.[0] ?? null)}
          />
        </div>
        {infer.isPending && <p className="text-sm text-muted-foreground" aria-live="polite">Reading the file…</p>}
        {infer.error && (
          <p role="alert" className="text-sm text-destructive">
            {errorMessage(infer.error)}
          </p>
        )}
        {proposal && (
          <>
            <div>
              <h3 className="mb-1 text-sm font-semibold">Proposed schema</h3>
              <p className="mb-3 text-sm text-muted-foreground" data-testid="schema-source">
                {keepStored
                  ? `The file has the current schema's columns, so it starts from version ${proposal.version}; changing anything stores a new version.`
                  : current
                    ? 'The file differs from the current schema; importing stores this one as a new version.'
                    : 'Inferred from the file.'}{' '}
                Check each column's type and role. One column is the id, at most one is the label (the churn outcome), and at most one date
                column may be the departure date (when a departed customer left).
              </p>
              <Card className="overflow-hidden">
                <SchemaEditor
                  schema={proposal}
                  onChange={(s) => {
                    setProposal(s);
                    setKeepStored(false);
                  }}
                />
              </Card>
            </div>
            <div className="flex flex-col gap-4 sm:flex-row sm:items-end">
              <div className="flex flex-col gap-2">
                <Label htmlFor="import-mode">Mode</Label>
                <Select value={mode} onValueChange={(m) => setMode(m as Mode)}>
                  <SelectTrigger id="import-mode" className="w-40">
                    <SelectValue />
                  </SelectTrigger>
                  <SelectContent>
                    {kModes.map((m) => (
                      <SelectItem key={m.value} value={m.value}>
                        {m.label}
                      </SelectItem>
                    ))}
                  </SelectContent>
                </Select>
              </div>
              <p className="text-sm text-muted-foreground sm:pb-2">{kModes.find((m) => m.value === mode)?.hint}</p>
              <Button
                className="sm:ml-auto"
                disabled={running}
                onClick={() => {
                  setResult(null);
                  setJobId(null);
                  importFile.mutate(crypto.randomUUID());
                }}
              >
                <FileUp /> {running ? 'Importing…' : `Import ${file?.name ?? ''}`}
              </Button>
            </div>
          </>
        )}
        {running && (
          <JobProgress job={job.data} label="Importing" onCancel={jobId ? () => cancel.mutate(jobId) : undefined} cancelling={cancel.isPending} />
        )}
        {result && (
          <div role="status" className="flex items-start gap-3 rounded-lg border border-success/40 bg-success/10 px-4 py-3 text-sm" data-testid="import-result">
            <CheckCircle2 className="mt-0.5 size-4 text-success" aria-hidden />
            <div>
              <p className="font-medium">
                {numberFormat.format(result.created ?? 0)} created, {numberFormat.format(result.updated ?? 0)} updated,{' '}
                {numberFormat.format(result.skipped ?? 0)} skipped
              </p>
              <p className="text-muted-foreground">
                Schema version {result.schema_version}
                {result.schema_created ? ' (new)' : ''}
              </p>
            </div>
          </div>
        )}
        {startError instanceof ApiError && startError.status === 422 ? (
          <ValidationReport report={reportFromProblem(startError)} />
        ) : (
          startError && (
            <p role="alert" className="text-sm text-destructive">
              {errorMessage(startError)}
            </p>
          )
        )}
        {jobReport && <ValidationReport report={jobReport} />}
        {(jobError || job.error) && (
          <p role="alert" className="text-sm text-destructive">
            {jobError ?? errorMessage(job.error)}
          </p>
        )}
      </CardContent>
    </Card>
  );
}

export function DataPage() {
  const schema = useSchema();
  const canWrite = useCan('analyst');
  const toast = useToast();
  const exportAs = (format: 'csv' | 'jsonl') =>
    downloadFile(`/api/v1/customers/export?format=${format}`, `customers.${format}`).catch((e) => toast(errorMessage(e), 'error'));

  return (
    <>
      <PageHeader
        title="Data"
        description="Customer table import, schema and export."
        actions={
          schema.data ? (
            <>
              <Button variant="outline" onClick={() => exportAs('csv')}>
                <Download /> Export CSV
              </Button>
              <Button variant="outline" onClick={() => exportAs('jsonl')}>
                <Download /> Export JSON Lines
              </Button>
            </>
          ) : undefined
        }
      />
      <div className="flex flex-col gap-6">
        {canWrite && schema.isSuccess && <ImportCard current={schema.data} />}
        <Card>
          <CardHeader>
            <CardTitle>Current schema</CardTitle>
            <CardDescription>
              {schema.data ? `Version ${schema.data.version} · ${schema.data.attributes.length} attributes` : schema.isSuccess ? 'No schema yet: the first import creates it.' : ' '}
            </CardDescription>
          </CardHeader>
          {schema.error && <CardContent role="alert" className="text-sm text-destructive">{errorMessage(schema.error)}</CardContent>}
          {schema.data && (
            <Table aria-label="Current schema">
              <THead>
                <TR className="hover:bg-transparent">
                  <TH>Attribute</TH>
                  <TH>Type</TH>
                  <TH>Role</TH>
                  <TH>Values</TH>
                </TR>
              </THead>
              <TBody>
                {schema.data.attributes.map((a) => (
                  <TR key={a.name}>
                    <TD className="font-medium">{a.name}</TD>
                    <TD>{a.type}</TD>
                    <TD>
                      <Badge variant={a.role === 'label' ? 'destructive' : a.role === 'id' ? 'default' : 'outline'}>{roleText(a.role)}</Badge>
                    </TD>
                    <TD className="max-w-80 truncate text-muted-foreground">
                      {a.type === 'category' && a.categories?.join(', ')}
                      {a.type === 'boolean' && a.true_text !== undefined && `${a.true_text} = yes, ${a.false_text} = no`}
                    </TD>
                  </TR>
                ))}
              </TBody>
            </Table>
          )}
        </Card>
      </div>
    </>
  );
}
