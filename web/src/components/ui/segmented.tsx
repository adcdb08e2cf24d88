import { cn } from '@/lib/utils';

/**
 * A few mutually exclusive choices shown side by side (toggle buttons with
 * aria-pressed in a labelled group); for short option lists where a select
 * would hide what is on offer.
 */
export function Segmented<T extends string | number>({
  label,
  value,
  options,
  onChange,
  className,
}: {
  label: string;
  value: T;
  options: { value: T; label: string }[];
  onChange: (value: T) => void;
  className?: string;
}) {
  return (
    <div role="group" aria-label={label} className={cn('inline-flex shrink-0 rounded-md border border-input bg-card p-0.5 shadow-xs', className)}>
      {options.map((o) => {
        const on = o.value === value;
        return (
          <button
            key={String(o.value)}
            type="button"
            aria-pressed={on}
            onClick={() => !on && onChange(o.value)}
            className={cn(
              'h-8 cursor-pointer whitespace-nowrap rounded-[5px] px-3 text-sm font-medium transition-colors focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring',
              on ? 'bg-muted text-foreground' : 'text-muted-foreground hover:text-foreground',
            )}
          >
            {o.label}
          </button>
        );
      })}
    </div>
  );
}
