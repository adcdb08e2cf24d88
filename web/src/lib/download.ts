import { apiRaw } from '@/api/client';

/** Downloads an authenticated endpoint as a file (the token cannot ride on a plain link). */
export async function downloadFile(path: string, fallbackName: string) {
  const response = await apiRaw(path, {});
  const disposition = response.headers.get('content-disposition') ?? '';
  const match = /filename="?([^";]+)"?/.exec(disposition);
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = match?.[1] ?? fallbackName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
