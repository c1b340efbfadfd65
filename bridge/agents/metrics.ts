/**
 * A minimal Prometheus text-format registry for the agents (counters and gauges with labels), so
 * the relayer and validator expose `/metrics` without a client library.
 */

type Labels = Readonly<Record<string, string | number>>;

function labelKey(l: Labels): string {
  const keys = Object.keys(l).sort();
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${String(l[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

/** One metric family. */
class Family {
  readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge',
  ) {}
}

/** The registry. */
export class MetricsRegistry {
  private readonly families = new Map<string, Family>();

  private family(name: string, help: string, type: 'counter' | 'gauge'): Family {
    let f = this.families.get(name);
    if (f === undefined) {
      f = new Family(name, help, type);
      this.families.set(name, f);
    }
    return f;
  }

  /** Declares a counter; returns `inc(labels, by)`. */
  counter(name: string, help: string): (labels?: Labels, by?: number) => void {
    const f = this.family(name, help, 'counter');
    return (labels = {}, by = 1) => {
      const k = labelKey(labels);
      f.values.set(k, (f.values.get(k) ?? 0) + by);
    };
  }

  /** Declares a gauge; returns `set(labels, value)`. */
  gauge(name: string, help: string): (labels: Labels, value: number) => void {
    const f = this.family(name, help, 'gauge');
    return (labels, value) => {
      f.values.set(labelKey(labels), value);
    };
  }

  /** Current value (tests). */
  value(name: string, labels: Labels = {}): number | undefined {
    return this.families.get(name)?.values.get(labelKey(labels));
  }

  /** Prometheus text exposition format 0.0.4. */
  render(): string {
    const out: string[] = [];
    for (const f of this.families.values()) {
      out.push(`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`);
      for (const [k, v] of f.values) out.push(`${f.name}${k} ${v}`);
    }
    return `${out.join('\n')}\n`;
  }
}
