package io.buenavista.core.session;

import io.buenavista.api.Column;
import io.buenavista.api.RowCursor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The few rows the core answers itself (SHOW); never used for handler results. */
final class ValuesCursor implements RowCursor {
    private final List<Column> columns;
    private final List<Object[]> rows;
    private int index = -1;

    /** One row with one value. */
    ValuesCursor(List<Column> columns, String value) {
        this.columns = columns;
        this.rows = List.<Object[]>of(new Object[] {value});
    }

    /** {@code SHOW ALL}: name, setting, description. */
    ValuesCursor(List<Column> columns, Map<String, String> settings) {
        this.columns = columns;
        this.rows = new ArrayList<>(settings.size());
        settings.forEach((name, value) -> rows.add(new Object[] {name, value, ""}));
    }

    @Override
    public List<Column> columns() {
        return columns;
    }

    @Override
    public boolean next() {
        return ++index < rows.size();
    }

    @Override
    public Object get(int column) {
        return rows.get(index)[column];
    }

    @Override
    public void close() {}
}
