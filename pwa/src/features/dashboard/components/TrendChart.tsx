import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { TREND_BUCKETS, type TrendBucket, type TrendRow } from "../api/trend";

const COLORS: Record<TrendBucket, string> = {
  waiting: "#94a3b8",
  "in progress": "#38bdf8",
  delivered: "#059669",
  partial: "#f59e0b",
  failed: "#e11d48",
};

export function TrendChart({ rows }: { rows: TrendRow[] }) {
  return (
    <section className="rounded-xl bg-white p-4 shadow-sm" data-testid="trend-chart">
      <h2 className="mb-2 font-semibold">Studies per day</h2>
      <div className="h-56 w-full">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={rows} margin={{ top: 4, right: 8, left: -20, bottom: 0 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="day" tickFormatter={(d: string) => d.slice(5)} fontSize={11} />
            <YAxis allowDecimals={false} fontSize={11} />
            <Tooltip />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            {TREND_BUCKETS.map((b) => (
              <Bar key={b} dataKey={b} stackId="s" fill={COLORS[b]} isAnimationActive={false} />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
    </section>
  );
}
