import { Component, type ComponentChild } from 'preact';

/**
 * A component that draws again only when one of its props changed (compared with `===`). The page
 * redraws from the top on every change; this keeps a table of 200 rows out of a redraw caused by a
 * new log line, and the log out of one caused by traffic.
 */
export function pure<P extends object>(name: string, draw: (props: P) => ComponentChild) {
  class Pure extends Component<P> {
    static override displayName = name;

    override shouldComponentUpdate(next: P): boolean {
      const now = this.props as Record<string, unknown>;
      const later = next as Record<string, unknown>;
      for (const key in later) if (later[key] !== now[key]) return true;
      for (const key in now) if (!(key in later)) return true;
      return false;
    }

    override render(props: P): ComponentChild {
      return draw(props);
    }
  }
  return Pure;
}
