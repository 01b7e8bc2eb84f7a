/**
 * Reads `/metrics` with a real Prometheus text-format parser (`parse-prometheus-text-format`, which
 * throws on a malformed line). That parser folds the label sets of a labelled histogram into one
 * series, so histogram counts are read from a second pass that treats every line as a plain sample.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

type Sample = { value?: string; labels?: Record<string, string> };
export type Family = {
	name: string;
	help: string;
	type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
	metrics: Sample[];
};
export type Scrape = { families: Family[]; samples: Family[] };

export function parseMetrics(text: string): Scrape {
	const families = parsePrometheusTextFormat(text) as Family[];
	const plain = text.replace(/^# TYPE (\S+) (histogram|summary)$/gm, '# TYPE $1 untyped');
	return { families, samples: parsePrometheusTextFormat(plain) as Family[] };
}

function matches(labels: Record<string, string> | undefined, wanted: Record<string, string>): boolean {
	return Object.entries(wanted).every(([k, v]) => labels?.[k] === v);
}

function sum(families: Family[], name: string, labels: Record<string, string>): number {
	return families
		.filter((f) => f.name === name)
		.flatMap((f) => f.metrics)
		.filter((m) => matches(m.labels, labels))
		.reduce((total, m) => total + Number(m.value), 0);
}

/** The summed value of a counter or gauge over the series whose labels include `labels`; 0 when none. */
export function valueOf(scrape: Scrape, name: string, labels: Record<string, string> = {}): number {
	return sum(scrape.families, name, labels);
}

/** Observations of a histogram over the series whose labels include `labels`. */
export function countOf(scrape: Scrape, name: string, labels: Record<string, string> = {}): number {
	return sum(scrape.samples, `${name}_count`, labels);
}

/** Every value a metric uses for `label` (histograms: from their `_count` samples). */
export function labelValues(scrape: Scrape, name: string, label: string): string[] {
	const found = [...scrape.families.filter((f) => f.name === name), ...scrape.samples.filter((f) => f.name === `${name}_count`)];
	return [...new Set(found.flatMap((f) => f.metrics).map((m) => m.labels?.[label]).filter((v): v is string => v !== undefined))];
}

export function typeOf(scrape: Scrape, name: string): Family['type'] | undefined {
	return scrape.families.find((f) => f.name === name)?.type;
}
