/**
 * Prometheus text exposition (format 0.0.4) of the engine's figures. Process figures now; per-camera figures
 * join as the recording and detection issues add them, each as a gauge or counter with a `camera` label.
 */
export interface MetricSample {
  labels?: Record<string, string>;
  value: number;
}

export interface Metric {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  samples: MetricSample[];
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

export function formatPrometheus(metrics: Metric[]): string {
  const lines: string[] = [];
  for (const metric of metrics) {
    lines.push(`# HELP ${metric.name} ${metric.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    lines.push(`# TYPE ${metric.name} ${metric.type}`);
    for (const sample of metric.samples) {
      const labels = Object.entries(sample.labels ?? {});
      const labelText =
        labels.length === 0
          ? ''
          : `{${labels.map(([key, value]) => `${key}="${escapeLabel(value)}"`).join(',')}}`;
      lines.push(`${metric.name}${labelText} ${formatValue(sample.value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Figures every Node process has: CPU, memory, start time, event-loop handles. */
export function processMetrics(): Metric[] {
  const usage = process.cpuUsage();
  const memory = process.memoryUsage();
  const startSeconds = Math.round((Date.now() - process.uptime() * 1000) / 1000);
  return [
    {
      name: 'process_cpu_seconds_total',
      help: 'Total user and system CPU time spent in seconds.',
      type: 'counter',
      samples: [{ value: (usage.user + usage.system) / 1e6 }],
    },
    {
      name: 'process_resident_memory_bytes',
      help: 'Resident memory size in bytes.',
      type: 'gauge',
      samples: [{ value: memory.rss }],
    },
    {
      name: 'process_start_time_seconds',
      help: 'Start time of the process since unix epoch in seconds.',
      type: 'gauge',
      samples: [{ value: startSeconds }],
    },
    {
      name: 'nodejs_heap_used_bytes',
      help: 'V8 heap in use, in bytes.',
      type: 'gauge',
      samples: [{ value: memory.heapUsed }],
    },
  ];
}
