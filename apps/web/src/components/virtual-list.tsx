import { useWindowVirtualizer } from "@tanstack/react-virtual";
import { type ReactNode, useLayoutEffect, useRef, useState } from "react";

interface Props<T> {
  label: string;
  entries: readonly T[];
  keyOf: (entry: T) => string;
  /** A first guess of an entry's height in px; rendered entries are measured. */
  estimateSize: (entry: T) => number;
  render: (entry: T) => ReactNode;
  className?: (entry: T) => string | undefined;
}

/**
 * A list scrolled with the page that keeps only the entries near the viewport in the DOM (a
 * screenful plus `overscan`), so its cost does not grow with the number of entries. Each item
 * says its position in the whole list (aria-posinset/-setsize), which the DOM alone no longer
 * tells assistive technology.
 */
export function VirtualList<T>({ label, entries, keyOf, estimateSize, render, className }: Props<T>) {
  const listRef = useRef<HTMLUListElement>(null);
  // Where the list starts on the page; what is above it (controls, messages) can change height.
  const [scrollMargin, setScrollMargin] = useState(0);
  useLayoutEffect(() => {
    const top = listRef.current ? listRef.current.getBoundingClientRect().top + window.scrollY : 0;
    if (top !== scrollMargin) setScrollMargin(top);
  });
  const virtualizer = useWindowVirtualizer({
    count: entries.length,
    estimateSize: (index) => estimateSize(entries[index]!),
    getItemKey: (index) => keyOf(entries[index]!),
    overscan: 6,
    scrollMargin,
  });
  return (
    <ul ref={listRef} className="list virtual-list" aria-label={label} style={{ height: virtualizer.getTotalSize() }}>
      {virtualizer.getVirtualItems().map((item) => {
        const entry = entries[item.index]!;
        return (
          <li
            key={item.key}
            ref={virtualizer.measureElement}
            data-index={item.index}
            className={className?.(entry)}
            aria-setsize={entries.length}
            aria-posinset={item.index + 1}
            style={{ transform: `translateY(${item.start - scrollMargin}px)` }}
          >
            {render(entry)}
          </li>
        );
      })}
    </ul>
  );
}
