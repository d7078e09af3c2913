package io.buenavista.core.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.buenavista.core.sql.SqlToken.Kind;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SqlLexerTest {

    private static List<String> texts(String sql) {
        return SqlLexer.split(sql).stream().map(SqlStatement::text).collect(Collectors.toList());
    }

    private static SqlToken single(String sql) {
        List<SqlToken> tokens = SqlLexer.tokenize(sql);
        assertEquals(1, tokens.size(), () -> "tokens of " + sql + ": " + tokens);
        return tokens.get(0);
    }

    @Test
    void tokensCoverTheWholeInput() {
        String sql = "select 'a''b', E'x\\'y', $$ ; $$, \"q\"\"i\", $1 -- c\n/* a /* b */ c */ from t;";
        StringBuilder rebuilt = new StringBuilder();
        int expectedOffset = 0;
        for (SqlToken token : SqlLexer.tokenize(sql)) {
            assertEquals(expectedOffset, token.offset());
            rebuilt.append(token.text());
            expectedOffset = token.end();
        }
        assertEquals(sql, rebuilt.toString());
    }

    /** The significant tokens are the tokens without trivia, whatever whitespace and comments surround them. */
    @Test
    void significantTokensAreTheTokensWithoutTrivia() {
        for (String sql : List.of("", " ", "select 1", " \t\r\n\f\u000bselect\n\n 1 ,2 ", "a/* c */b -- d\ne--",
                "select 'a  b' ,  \"c  d\"  from  t  where x = $$ $$ ;  ", "x /* unterminated", "x--\r\ny",
                "select\u00a0\u00e9 \u3000 1")) {
            List<SqlToken> expected = SqlLexer.tokenize(sql).stream().filter(t -> !t.isTrivia())
                    .collect(Collectors.toList());
            assertEquals(expected, SqlLexer.significantTokens(sql), sql);
        }
    }

    @Test
    void tokenKinds() {
        List<Kind> kinds = SqlLexer.significantTokens("SELECT a.b, 1.5e3, 'x', $2, $q$x$q$, \"Id\" <> (x);")
                .stream().map(SqlToken::kind).collect(Collectors.toList());
        assertEquals(List.of(Kind.WORD, Kind.WORD, Kind.PUNCTUATION, Kind.WORD, Kind.PUNCTUATION, Kind.NUMBER,
                Kind.PUNCTUATION, Kind.STRING, Kind.PUNCTUATION, Kind.PARAMETER, Kind.PUNCTUATION, Kind.DOLLAR_STRING,
                Kind.PUNCTUATION, Kind.QUOTED_IDENTIFIER, Kind.OPERATOR, Kind.LEFT_PAREN, Kind.WORD, Kind.RIGHT_PAREN,
                Kind.SEMICOLON), kinds);
    }

    @Test
    void plainStringsFollowStandardConformingStrings() {
        // A backslash is an ordinary character; only '' escapes a quote.
        SqlToken token = single("'a\\'");
        assertEquals(Kind.STRING, token.kind());
        assertEquals("a\\", token.value());
        assertEquals("it's", single("'it''s'").value());
        assertEquals(List.of("select 'a\\'", "select 2"), texts("select 'a\\'; select 2"));
    }

    @Test
    void escapeStringsTakeBackslashEscapes() {
        assertEquals("'", single("E'\\''").value());
        assertEquals("a'b", single("e'a''b'").value());
        assertEquals("tab\there\nnl\\", single("E'tab\\there\\nnl\\\\'").value());
        assertEquals("AB", single("E'\\x41\\102'").value());
        assertEquals("\u00e9", single("E'\\u00e9'").value());
        assertEquals("\\u+041", single("E'\\u+041'").value()); // not hex digits: left for the database
        assertEquals("\uD83D\uDE00", single("U&'\\+01F600'").value());
        assertEquals(List.of("select E'\\';'", "select 2"), texts("select E'\\';'; select 2"));
    }

    @Test
    void prefixLetterMustBeTheWholeWord() {
        List<SqlToken> tokens = SqlLexer.significantTokens("type'x' e'y'");
        assertEquals(Kind.WORD, tokens.get(0).kind());
        assertEquals("type", tokens.get(0).text());
        assertEquals("'x'", tokens.get(1).text());
        assertEquals("e'y'", tokens.get(2).text());
    }

    @Test
    void unicodeStringsAndIdentifiers() {
        SqlToken string = single("U&'d\\0061t\\+000061'");
        assertEquals(Kind.STRING, string.kind());
        assertEquals("data", string.value());
        SqlToken ident = single("u&\"d\\0061t\\+000061\"");
        assertEquals(Kind.QUOTED_IDENTIFIER, ident.kind());
        assertEquals("data", ident.value());
        // In U& strings a backslash does not escape the quote.
        assertEquals(List.of("select U&'\\'", "x"), texts("select U&'\\'; x"));
    }

    @Test
    void otherPrefixedStrings() {
        assertEquals(Kind.STRING, single("B'1010'").kind());
        assertEquals("FF", single("X'FF'").value());
        assertEquals("n", single("N'n'").value());
    }

    @Test
    void dollarQuotes() {
        assertEquals(" a ; 'b' $x$ ", single("$$ a ; 'b' $x$ $$").value());
        assertEquals("body $$ inner $$", single("$fn_1$body $$ inner $$$fn_1$").value());
        assertEquals(List.of("create function f() returns int as $body$ select 1; $body$ language sql", "select 2"),
                texts("create function f() returns int as $body$ select 1; $body$ language sql; select 2"));
        // $1 is a parameter, not the start of a dollar quote, and $ inside a word continues the word.
        List<SqlToken> tokens = SqlLexer.significantTokens("select $1, a$b$ from x$y");
        assertEquals(Kind.PARAMETER, tokens.get(1).kind());
        assertEquals("a$b$", tokens.get(3).text());
        assertEquals(Kind.WORD, tokens.get(3).kind());
        assertEquals("x$y", tokens.get(5).text());
    }

    @Test
    void quotedIdentifiers() {
        SqlToken token = single("\"a\"\"b;c\"");
        assertEquals(Kind.QUOTED_IDENTIFIER, token.kind());
        assertEquals("a\"b;c", token.value());
        assertEquals("mixedcase", single("MixedCase").value());
    }

    @Test
    void comments() {
        assertEquals(Kind.BLOCK_COMMENT, single("/* a /* nested ; */ still; */").kind());
        assertEquals(List.of("select 1 /* a /* b */ ; */ + 1", "select 2"),
                texts("select 1 /* a /* b */ ; */ + 1; select 2"));
        assertEquals(List.of("select 1 -- ; not a separator\n+ 1", "select 2"),
                texts("select 1 -- ; not a separator\n+ 1; select 2"));
        // An operator stops before a comment starts.
        List<SqlToken> tokens = SqlLexer.tokenize("*--x");
        assertEquals("*", tokens.get(0).text());
        assertEquals(Kind.LINE_COMMENT, tokens.get(1).kind());
    }

    @Test
    void splitDropsEmptyStatementsAndKeepsOffsets() {
        String sql = "  select 1 ;; \n\tinsert into t values (';') ;  ";
        List<SqlStatement> statements = SqlLexer.split(sql);
        assertEquals(2, statements.size());
        assertEquals(new SqlStatement("select 1", 2), statements.get(0));
        assertEquals("insert into t values (';')", statements.get(1).text());
        SqlStatement second = statements.get(1);
        assertEquals(second.text(), sql.substring(second.offset(), second.offset() + second.text().length()));
        assertEquals(second.offset() + 1, second.positionInQuery(1));
    }

    @Test
    void splitOfNothingIsEmpty() {
        assertEquals(List.of(), SqlLexer.split(""));
        assertEquals(List.of(), SqlLexer.split("  ; ;\n"));
        assertEquals(List.of(), SqlLexer.split("-- only a comment"));
        assertEquals(List.of(), SqlLexer.split("/* c */ ; -- d\n;"));
    }

    @Test
    void statementsStartAndEndWithSignificantTokens() {
        assertEquals(List.of(new SqlStatement("select 1", 5)), SqlLexer.split("-- c\nselect 1; /* x */"));
        assertEquals(List.of("select 1", "select /* inner */ 2"),
                texts("select 1; /* lead */ select /* inner */ 2 -- trail"));
    }

    @Test
    void unterminatedTokensRunToTheEnd() {
        assertEquals(List.of("select 1", "select 'abc; select 2"), texts("select 1; select 'abc; select 2"));
        assertEquals(List.of("select \"x; y"), texts("select \"x; y"));
        assertEquals(List.of("select 1 /* a /* b */ ; select 2"), texts("select 1 /* a /* b */ ; select 2"));
        assertEquals(List.of("select $$ ; "), texts("select $$ ; "));
        assertEquals(List.of("select E'\\"), texts("select E'\\"));
        assertEquals(List.of(new SqlStatement("/* never closed", 1)), SqlLexer.split(" /* never closed"));
    }

    @Test
    void semicolonsInsideParenthesesDoNotSplit() {
        assertEquals(List.of("select (1; 2)", "select 3"), texts("select (1; 2); select 3"));
    }

    @Test
    void sqlStandardFunctionBodiesAreOneStatement() {
        String body = "CREATE OR REPLACE FUNCTION f(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC "
                + "SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END; SELECT a; END";
        assertEquals(List.of(body, "select f(1)"), texts(body + "; select f(1)"));
        String procedure = "create procedure p() begin atomic insert into t values (1); end";
        assertEquals(List.of(procedure, "call p()"), texts(procedure + ";call p()"));
        // Outside a routine definition BEGIN and END are transaction control.
        assertEquals(List.of("begin", "select 1", "end"), texts("begin; select 1; end;"));
    }

    @Test
    void keywordsStopAtTheFirstNonWord() {
        assertEquals(List.of("SET", "LOCAL", "X"), SqlLexer.keywords("SET LOCAL x = 1", 10));
        assertEquals(List.of("SET", "X", "TO"), SqlLexer.keywords("set x to 1", 10));
        assertEquals(List.of("START", "TRANSACTION"), SqlLexer.keywords(
                "/* c */ start -- x\n transaction isolation level serializable", 2));
        assertEquals(List.of("BEGIN"), SqlLexer.keywords("BEGIN; ", 5));
        assertEquals(List.of(), SqlLexer.keywords("(select 1)", 5));
        assertEquals(List.of(), SqlLexer.keywords("select", 0));
    }

    @Test
    void parametersOutsideQuotesAndComments() {
        String sql = "select $2, '$3', \"$4\", $$ $5 $$, E'\\'$6', /* $7 */ $1 -- $8\n, $2, a$9";
        assertEquals(List.of(2, 1, 2), SqlLexer.parameterReferences(sql));
        assertEquals(2, SqlLexer.parameterCount(sql));
        assertEquals(0, SqlLexer.parameterCount("select '$1'"));
        assertEquals(12, SqlLexer.parameterCount("select $12 + $3"));
    }

    @Test
    void rewriteParameters() {
        String sql = "select $2, '$1', $1::int from t where x = $2 -- $1";
        assertEquals("select ?, '$1', ?::int from t where x = ? -- $1", SqlLexer.rewriteParameters(sql, n -> "?"));
        assertEquals("select :p2, '$1', :p1::int from t where x = :p2 -- $1",
                SqlLexer.rewriteParameters(sql, n -> ":p" + n));
        assertEquals(List.of(2, 1, 2), SqlLexer.parameterReferences(sql));
    }
}
