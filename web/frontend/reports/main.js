// The dashboard's charts: each chart draws the table beside it (the table is the data, and stays the
// accessible version). ECharts from the npm registry, only the parts used, drawn as SVG.
import * as echarts from 'echarts/core';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([BarChart, LineChart, PieChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

function read(table, columns) {
  const headers = [...table.querySelectorAll('thead th')].map((th) => th.textContent.trim());
  const labels = [];
  const series = columns.map((c) => ({ name: headers[c + 1] || '', data: [] }));
  for (const row of table.querySelectorAll('tbody tr')) {
    const name = row.querySelector('th');
    if (!name) continue;
    const cells = row.querySelectorAll('td');
    labels.push(name.textContent.trim());
    columns.forEach((c, i) => {
      const value = cells[c] && cells[c].dataset.value;
      series[i].data.push(value === undefined ? null : Number(value));
    });
  }
  return { labels, series };
}

function option(kind, labels, series) {
  if (kind === 'pie') {
    return {
      tooltip: { trigger: 'item' },
      series: [{
        type: 'pie',
        radius: ['35%', '70%'],
        data: labels.map((name, i) => ({ name, value: series[0].data[i] })),
      }],
    };
  }
  return {
    tooltip: { trigger: 'axis' },
    legend: series.length > 1 ? { top: 0 } : undefined,
    grid: { left: 48, right: 16, top: series.length > 1 ? 32 : 16, bottom: 64 },
    xAxis: { type: 'category', data: labels, axisLabel: { rotate: labels.length > 6 ? 30 : 0 } },
    yAxis: { type: 'value' },
    series: series.map((s) => ({ name: s.name, type: kind, data: s.data })),
  };
}

function draw(box) {
  const table = document.getElementById(box.dataset.table);
  if (!table) return;
  const columns = (box.dataset.series || '0').split(',').map(Number);
  const { labels, series } = read(table, columns);
  if (!labels.length) return;
  const chart = echarts.init(box, null, { renderer: 'svg' });
  chart.setOption(option(box.dataset.chart, labels, series));
  box.classList.add('drawn');
  window.addEventListener('resize', () => chart.resize());
}

document.querySelectorAll('[data-chart]').forEach(draw);
